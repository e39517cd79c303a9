/**
 * A grouped patch set for the cross-validation tests: the LC25000 lung patches (3 classes x 30)
 * plus three flipped, rotated and re-encoded copies of one of them (made by sharp, so the
 * duplicate detection under test does not make its own input), listed in a CSV
 * `path,label,group` whose patient groups hold three consecutive patches of a class.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { lungSubset } from '../../helpers/lung-subset.js';
import { lung } from './fixtures.js';

export const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];

export interface GroupedSet {
  root: string;
  csv: string;
  /** Path (absolute) -> patient group. */
  groups: Map<string, string>;
  /** The original and its copies (absolute paths): one duplicate cluster. */
  copies: string[];
}

export async function groupedLung(dir: string): Promise<GroupedSet> {
  const root = join(dir, 'grouped');
  const groups = new Map<string, string>();
  const rows: string[] = ['path,label,group'];
  for (const c of CLASSES) {
    mkdirSync(join(root, c), { recursive: true });
    readdirSync(join(lung!, c))
      .filter((f) => f.endsWith('.jpeg'))
      .sort()
      .forEach((f, i) => {
        writeFileSync(join(root, c, f), readFileSync(join(lung!, c, f)));
        const g = `${c}-patient${Math.floor(i / 3)}`;
        groups.set(join(root, c, f), g);
        rows.push(`${c}/${f},${c},${g}`);
      });
  }
  const originalName = readdirSync(join(root, 'lung_aca')).sort()[4];
  const original = join(root, 'lung_aca', originalName);
  const src = readFileSync(original);
  // the copies come from another patient's record: only the duplicate check ties them to the original
  const copies = [original];
  const made: [string, sharp.Sharp][] = [
    ['copy-flopped.png', sharp(src).flop().png()],
    ['copy-rot90.jpeg', sharp(src).rotate(90).jpeg({ quality: 80 })],
    ['copy-rot270-flip.png', sharp(src).rotate(270).flip().png()],
  ];
  for (const [name, img] of made) {
    const p = join(root, 'lung_aca', name);
    await img.toFile(p);
    copies.push(p);
    groups.set(p, 'copies-patient');
    rows.push(`lung_aca/${name},lung_aca,copies-patient`);
  }
  const csv = join(root, 'labels.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  return { root, csv, groups, copies };
}

/** The first `perClass` lung patches of each class, sorted by name, copied to `<dir>/few`: a set small enough to fine-tune every fold in seconds. */
export function fewLung(dir: string, perClass: number): string {
  return lungSubset(join(dir, 'few'), perClass, CLASSES);
}
