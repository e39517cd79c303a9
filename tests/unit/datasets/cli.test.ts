import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tessella } from '../../helpers/cli.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const home = tempHome('tessella-ds-cli-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

/** stdout must be exactly one JSON document (one line) and nothing else. */
function oneJson(stdout: string): any {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]);
}

describe('tessella dataset', needs(lung), () => {
  it('import --json prints one summary document; list and info read it back', () => {
    const r = tessella(['dataset', 'import', lung!, '--name', 'lung', '--seed', '5', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const s = oneJson(r.stdout);
    expect(s).toMatchObject({ name: 'lung', images: 90, classes: { lung_aca: 30, lung_n: 30, lung_scc: 30 }, errors: [], emptyClasses: [] });
    // LC25000's own rotated copies: lungn1773 of lungn1150, lungn4821 of lungn2243
    expect(s.duplicates).toEqual({ exact: 0, near: 2, conflicts: 0 });
    expect(s.splits.train + s.splits.val + s.splits.test).toBe(90);
    expect(Number.isInteger(s.id)).toBe(true);

    const csv = join(home.dir, 'few.csv');
    const rows = ['lung_aca', 'lung_n'].flatMap((c) => readdirSync(join(lung!, c)).slice(0, 5).map((f) => `${c}/${f},${c}`));
    writeFileSync(csv, ['path,label', ...rows].join('\n'));
    const c = tessella(['dataset', 'import', lung!, '--csv', csv, '--name', 'few', '--train', '0.6', '--json'], env);
    expect(c.code, c.stderr).toBe(0);
    expect(oneJson(c.stdout)).toMatchObject({ name: 'few', images: 10, classes: { lung_aca: 5, lung_n: 5 } });

    const list = tessella(['dataset', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    const all = oneJson(list.stdout);
    expect(all.map((d: { name: string; source: string; ratios: { train: number; val: number; test: number } }) => [d.name, d.source, d.ratios.train])).toEqual([
      ['few', 'csv', 0.6],
      ['lung', 'folder', 0.7],
    ]);
    expect(all[0].ratios.val).toBeCloseTo(0.2, 10);

    const info = tessella(['dataset', 'info', 'lung', '--json'], env);
    expect(info.code, info.stderr).toBe(0);
    const d = oneJson(info.stdout);
    expect(d.splits).toEqual({ ...s.splits, unassigned: 0 });
    expect(d.classes.map((x: { label: string; total: number }) => [x.label, x.total])).toEqual([
      ['lung_aca', 30],
      ['lung_n', 30],
      ['lung_scc', 30],
    ]);
  });

  it('an unknown dataset is one line on stderr and exit 1', () => {
    const r = tessella(['dataset', 'info', 'nope', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no dataset named "nope"/);
  });
});
