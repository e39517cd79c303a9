/**
 * Leakage through flipped, rotated and re-encoded copies (issue 14): LC25000 and many patch sets
 * hold such copies, and one in validation with its original in train inflates every metric.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { dihedralHash, hammingDistance, PHASH_INPUT_SIZE } from '../../../src/main/datasets/hashing.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { DatasetsRepo } from '../../../src/main/store/datasets-repo.js';
import { openDb } from '../../../src/main/store/db.js';
import { tessella } from '../../helpers/cli.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];
const tmp = mkdtempSync(join(tmpdir(), 'tessella-leakage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** LC25000's own rotated copies among the shared patches (checked by eye): [original, copy]. */
const LC25000_PAIRS = [
  ['lung_n/lungn1150.jpeg', 'lung_n/lungn1773.jpeg'],
  ['lung_n/lungn2243.jpeg', 'lung_n/lungn4821.jpeg'],
];

async function grey(input: Buffer): Promise<Buffer> {
  return sharp(input).flatten({ background: '#ffffff' }).greyscale().resize(PHASH_INPUT_SIZE, PHASH_INPUT_SIZE, { fit: 'fill', fastShrinkOnLoad: false }).raw().toBuffer();
}

/** The 8 flips and rotations of an image, made by sharp (not by the code under test). */
function dihedralCopies(src: Buffer): Promise<Buffer>[] {
  return [0, 90, 180, 270].flatMap((deg) => [sharp(src).rotate(deg).png().toBuffer(), sharp(src).rotate(deg).flop().png().toBuffer()]);
}

describe('flipped, rotated and re-encoded copies (LC25000 lung patches)', { ...needs(lung), timeout: 120_000 }, () => {
  it('one DCT gives the pHash of all 8 orientations: every sharp-made flip or rotation matches one of them', async () => {
    for (const cls of CLASSES) {
      const file = join(lung!, cls, readdirSync(join(lung!, cls)).sort()[0]);
      const src = readFileSync(file);
      const orientations = dihedralHash(await grey(src));
      const hashes = Array.from({ length: 8 }, (_, t) => orientations.slice(16 * t, 16 * t + 16));
      const matched = new Set<number>();
      for (const copy of await Promise.all(dihedralCopies(src))) {
        const upright = dihedralHash(await grey(copy)).slice(0, 16);
        const d = hashes.map((h) => hammingDistance(upright, h));
        const best = d.indexOf(Math.min(...d));
        // resampling the turned image moves a few bits at most
        expect(d[best], file).toBeLessThanOrEqual(4);
        matched.add(best);
      }
      // the 8 copies are told apart, each matching its own orientation
      expect(matched.size, file).toBe(8);
    }
  });

  it('groups an image with its flipped, rotated and re-encoded copies in one split, counts the copy under another class as a conflict, names empty class folders, and groups nothing else', async () => {
    const root = join(tmp, 'folder');
    for (const c of CLASSES) {
      mkdirSync(join(root, c), { recursive: true });
      for (const f of readdirSync(join(lung!, c))) writeFileSync(join(root, c, f), readFileSync(join(lung!, c, f)));
    }
    mkdirSync(join(root, 'lung_other'));
    const originalName = readdirSync(join(lung!, 'lung_aca')).sort()[5];
    const original = join(root, 'lung_aca', originalName);
    const src = readFileSync(original);
    const copies = {
      flipped: join(root, 'lung_aca', 'copy-flipped.png'),
      rotated: join(root, 'lung_aca', 'copy-rotated90.jpeg'),
      reencoded: join(root, 'lung_aca', 'copy-reencoded.png'),
      otherClass: join(root, 'lung_scc', 'copy-rotated270-flipped.jpeg'),
    };
    await sharp(src).flop().png().toFile(copies.flipped);
    await sharp(src).rotate(90).jpeg({ quality: 80 }).toFile(copies.rotated);
    await sharp(src).png().toFile(copies.reencoded);
    await sharp(src).rotate(270).flip().jpeg({ quality: 60 }).toFile(copies.otherClass);

    const db = openDb(join(tmp, 'leakage.db'));
    try {
      const s = await importDataset(db, { path: root, name: 'leaky', seed: 3 });
      expect(s.images).toBe(94);
      expect(s.classes).toEqual({ lung_aca: 33, lung_n: 30, lung_scc: 31 });
      expect(s.emptyClasses).toEqual(['lung_other']);
      // near: the 4 copies plus LC25000's two rotated copies; nothing byte-identical
      expect(s.duplicates).toEqual({ exact: 0, near: 6, conflicts: 1 });
      // the import succeeds, and the cross-class copy is reported, naming both files
      expect(s.errors).toHaveLength(1);
      expect(s.errors[0].path).toBe(copies.otherClass);
      // named against the group's first image by path (copy-flipped.png sorts before lungaca*)
      expect(s.errors[0].reason).toContain(copies.flipped);

      const items = new DatasetsRepo(db).images({ datasetId: s.id, order: 'path', offset: 0, limit: 1000 }).items;
      const byPath = new Map(items.map((i) => [i.path, i]));
      const group = [original, ...Object.values(copies)].map((p) => byPath.get(p)!);
      expect(new Set(group.map((i) => i.duplicateGroup)).size).toBe(1);
      expect(group[0].duplicateGroup).not.toBeNull();
      expect(new Set(group.map((i) => i.split)).size).toBe(1);

      // among the untouched real patches, only LC25000's own rotated pairs are grouped
      const groups = new Map<number, string[]>();
      for (const i of items) {
        if (i.duplicateGroup === null || group.includes(i)) continue;
        groups.set(i.duplicateGroup, [...(groups.get(i.duplicateGroup) ?? []), i.path.slice(root.length + 1)]);
      }
      expect([...groups.values()].map((g) => g.sort()).sort()).toEqual(LC25000_PAIRS);
      for (const [a, b] of LC25000_PAIRS) expect(byPath.get(join(root, a))!.split).toBe(byPath.get(join(root, b))!.split);

      // the grid's filters: every member of every group, and only the group filed under two classes
      const repo = new DatasetsRepo(db);
      const query = (f: { duplicates?: boolean; conflicts?: boolean }) => repo.images({ datasetId: s.id, order: 'path', offset: 0, limit: 1000, ...f }).items.map((i) => i.path).sort();
      expect(query({ duplicates: true })).toEqual([...group.map((i) => i.path), ...LC25000_PAIRS.flat().map((p) => join(root, p))].sort());
      expect(query({ conflicts: true })).toEqual(group.map((i) => i.path).sort());
      expect(repo.imageIds({ datasetId: s.id, order: 'path', offset: 0, limit: 1000, conflicts: true }).total).toBe(5);
    } finally {
      db.close();
    }
  });

  it('tessella dataset images --json lists path, label, split and duplicate group', () => {
    const env = { TESSELLA_HOME: join(tmp, 'home') };
    const root = join(tmp, 'small');
    for (const c of ['lung_aca', 'lung_n']) {
      mkdirSync(join(root, c), { recursive: true });
      for (const f of readdirSync(join(lung!, c)).sort().slice(0, 4)) writeFileSync(join(root, c, f), readFileSync(join(lung!, c, f)));
    }
    const copied = readdirSync(join(root, 'lung_aca')).sort()[0];
    writeFileSync(join(root, 'lung_n', 'same-as-aca.jpeg'), readFileSync(join(root, 'lung_aca', copied)));
    mkdirSync(join(root, 'lung_scc'));
    const imp = tessella(['dataset', 'import', root, '--name', 'small', '--json'], env);
    expect(imp.code, imp.stderr).toBe(0);
    const s = JSON.parse(imp.stdout);
    expect(s.duplicates).toEqual({ exact: 1, near: 0, conflicts: 1 });
    expect(s.emptyClasses).toEqual(['lung_scc']);

    const r = tessella(['dataset', 'images', 'small', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { path: string; label: string; split: string; duplicateGroup: number | null }[];
    expect(list).toHaveLength(9);
    for (const i of list) expect(Object.keys(i).sort()).toEqual(['duplicateGroup', 'label', 'path', 'split']);
    const pair = list.filter((i) => i.duplicateGroup !== null);
    expect(pair.map((i) => [i.path, i.label])).toEqual([
      [join(root, 'lung_aca', copied), 'lung_aca'],
      [join(root, 'lung_n', 'same-as-aca.jpeg'), 'lung_n'],
    ]);
    expect(pair[0].duplicateGroup).toBe(pair[1].duplicateGroup);
    expect(pair[0].split).toBe(pair[1].split);
  });
});
