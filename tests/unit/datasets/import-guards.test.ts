/**
 * What a CSV import refuses to do silently: read images outside the dataset's folder (unless
 * allowed), take class names longer than the API's, and fail with a raw SQLite error when two
 * imports race for one name.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../../src/main/datasets/import.js';
import { DomainError } from '../../../src/main/errors.js';
import { openDb } from '../../../src/main/store/db.js';
import { DatasetsRepo } from '../../../src/main/store/datasets-repo.js';
import { calls } from '../../../src/shared/api.js';
import { MAX_CLASS_NAME } from '../../../src/shared/contract/datasets.js';
import { tessella } from '../../helpers/cli.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { lungSubset } from '../../helpers/lung-subset.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const ihc = sharedPath(SLIDES.ihc);
const tmp = mkdtempSync(join(tmpdir(), 'tessella-ds-guards-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A dataset folder holding four LC25000 patches and a CSV naming them and images elsewhere. */
function folderWithCsv(name: string, extraRows: string[]) {
  const dir = join(tmp, name);
  const rows = ['path,label'];
  lungSubset(dir, 2, ['lung_aca', 'lung_n']);
  for (const cls of ['lung_aca', 'lung_n']) for (const f of readdirSync(join(dir, cls)).sort()) rows.push(`${cls}/${f},${cls}`);
  const csv = join(dir, 'labels.csv');
  writeFileSync(csv, [...rows, ...extraRows].join('\n') + '\n');
  return { dir, csv };
}

describe('CSV rows outside the dataset folder', needs(lung, ihc), () => {
  const aca = readdirSync(join(lung ?? '.', 'lung_aca')).sort();
  const outsideRows = () => {
    const up = relative(join(tmp, 'x'), join(lung!, 'lung_aca', aca[5]));
    return [`${ihc},stain`, `${up},lung_aca`, `/usr/share/no-such-dir/x.png,other`, `lung_n/../lung_n/${readdirSync(join(lung!, 'lung_n')).sort()[0]},lung_n`];
  };

  it('are left out and listed unless allowed; ../ that stays inside is fine', async () => {
    const { csv } = folderWithCsv('x', outsideRows());
    const db = openDb(join(tmp, 'outside.db'));
    const s = await importDataset(db, { path: csv, csv: true, name: 'strict' });
    expect(s.images).toBe(4); // the lung_n/../lung_n row is the first lung_n row again
    expect(s.outside.count).toBe(3);
    expect(s.outside.first).toEqual([ihc, join(lung!, 'lung_aca', aca[5]), '/usr/share/no-such-dir/x.png']);
    const paths = (db.prepare('SELECT path FROM images WHERE dataset_id = ?').all(s.id) as { path: string }[]).map((r) => r.path);
    expect(paths.every((p) => p.startsWith(join(tmp, 'x')))).toBe(true);
    expect(s.errors.map((e) => e.reason)).toEqual(['listed again on line 9; the row on line 4 is used']);

    const loose = await importDataset(db, { path: csv, csv: true, name: 'loose', allowOutside: true });
    expect(loose.outside).toEqual({ count: 0, first: [] });
    expect(loose.images).toBe(6); // the IHC image and the lung patch; the missing file is an error
    expect(loose.classes).toMatchObject({ stain: 1, lung_aca: 3 });
    expect(loose.errors.some((e) => e.path === '/usr/share/no-such-dir/x.png')).toBe(true);
    db.close();
  });

  it('the contract takes allowOutside, false unless given', () => {
    const input = calls['datasets.import'].input;
    expect(input.parse({ path: '/a.csv', name: 'n', csv: true }).allowOutside).toBe(false);
    expect(input.parse({ path: '/a.csv', name: 'n', csv: true, allowOutside: true }).allowOutside).toBe(true);
  });

  it('tessella dataset import lists them in --json and takes them with --allow-outside', () => {
    const { dir, csv } = folderWithCsv('cli', outsideRows());
    const env = { TESSELLA_HOME: join(tmp, 'cli-home') };
    const r = tessella(['dataset', 'import', dir, '--csv', csv, '--name', 'cli', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ images: 4, outside: { count: 3, first: [ihc, expect.any(String), '/usr/share/no-such-dir/x.png'] } });
    const h = tessella(['dataset', 'import', dir, '--csv', csv, '--name', 'cli2'], env);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/outside {4}3 rows name an image outside the dataset's folder; left out \(--allow-outside takes them\):\n {2}\//);
    const a = tessella(['dataset', 'import', dir, '--csv', csv, '--name', 'cli3', '--allow-outside', '--json'], env);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ images: 6, outside: { count: 0 } });
  }, 180_000);
});

describe('class names from a CSV', needs(lung), () => {
  it('longer than the API allows: the row is left out, naming its line', async () => {
    const long = 'c'.repeat(MAX_CLASS_NAME + 1);
    const justFits = 'k'.repeat(MAX_CLASS_NAME);
    const n = readdirSync(join(lung!, 'lung_n')).sort();
    const csv = join(tmp, 'long.csv');
    writeFileSync(csv, ['path,label', `lung_n/${n[0]},${long}`, `lung_n/${n[1]},${justFits}`, `lung_n/${n[2]},lung_n`].join('\n'));
    const db = openDb(join(tmp, 'long.db'));
    const s = await importDataset(db, { path: csv, csv: true, root: lung!, name: 'long' });
    expect(s.classes).toEqual({ [justFits]: 1, lung_n: 1 });
    expect(s.errors).toEqual([{ path: join(lung!, 'lung_n', n[0]), reason: `the label on line 2 is ${MAX_CLASS_NAME + 1} characters long; a class name has at most ${MAX_CLASS_NAME}; left out` }]);
    db.close();
  });
});

describe('two imports with one name at once', needs(lung), () => {
  it('one creates the dataset, the other is a conflict naming it (never a raw UNIQUE error)', async () => {
    const file = join(tmp, 'race.db');
    // Two connections, as two processes (the app and a CLI) would have.
    const a = openDb(file);
    const b = openDb(file);
    const results = await Promise.allSettled([
      importDataset(a, { path: lung!, name: 'same' }),
      importDataset(b, { path: lung!, name: 'same' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
    expect(failed).toBeInstanceOf(DomainError);
    expect(failed).toMatchObject({ kind: 'conflict', message: 'a dataset named "same" already exists; choose another name or remove it first' });
    expect(new DatasetsRepo(a).list().map((d) => d.name)).toEqual(['same']);

    // The insert itself: SQLite's unique constraint, found by its code, is the same conflict.
    const repo = new DatasetsRepo(b);
    const again = () => repo.create({ name: 'same', source: 'folder', root: '/x', csvPath: null, seed: 0, ratios: { train: 0.7, val: 0.15, test: 0.15 }, mpp: null });
    expect(again).toThrow(expect.objectContaining({ kind: 'conflict', code: 'dataset-exists' }));
    a.close();
    b.close();
  });
});
