/** `tessella annotations import/export` and `tessella patches extract` as a user runs them. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tessella } from '../../helpers/cli.js';
import { tempHome } from '../../helpers/temp-home.js';
import { qupathFile, qupathText, svsPath } from './context.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-annotations-cli-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

describe('tessella annotations / patches', needs(svsPath, qupathFile), () => {
  it('import --json prints one JSON document with the counts', () => {
    const r = tessella(['annotations', 'import', svsPath!, qupathFile!, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 6, added: 6, replaced: 0, byType: { annotation: 6 } });
  });

  it('a broken file: one line on stderr naming the feature, exit 1, nothing imported', () => {
    const broken = join(home.dir, 'broken.geojson');
    const doc = JSON.parse(qupathText);
    doc.features[3].geometry.coordinates[1] = ['x', 2];
    doc.features[0].id = 'ffffffff-0000-4000-8000-000000000000';
    writeFileSync(broken, JSON.stringify(doc));
    const r = tessella(['annotations', 'import', svsPath!, broken, '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tessella: features\[3\] \(id "9d8c7b6a-.*"\): geometry\.coordinates\[1\]\[0\] must be a finite number, got string "x"/);
    // Exporting to stdout: the GeoJSON itself, unchanged by the failed import.
    const e = tessella(['annotations', 'export', svsPath!, '--json'], env);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toEqual(JSON.parse(qupathText));
  });

  it('export --out --json writes the file and prints one JSON document', () => {
    const out = join(home.dir, 'exported', 'cmu1.geojson');
    const r = tessella(['annotations', 'export', svsPath!, '--out', out, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, count: 6 });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(qupathText));
  });

  it('patches extract --json writes patches and lists them', () => {
    const out = join(home.dir, 'patches');
    const r = tessella(['patches', 'extract', '--slide', svsPath!, '--size', '224', '--mpp', '0.5', '--out', out, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ outDir: out, mpp: 0.5, size: 224 });
    expect(result.slides[0]).toMatchObject({ readWidth: 224, regions: 4 });
    expect(result.patches.length).toBe(result.slides[0].written);
    expect(new Set(result.patches.map((p: { label: string }) => p.label))).toEqual(new Set(['Stroma', 'Tumor']));
    for (const p of result.patches) {
      expect(existsSync(p.file)).toBe(true);
      expect(p.file).toBe(join(out, p.label, `CMU-1-Small-Region_${p.x}_${p.y}.png`));
    }
    const missing = tessella(['patches', 'extract', '--slide', svsPath!, '--json'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--out DIR, --dataset NAME');
  });

  it('patches extract --dataset imports the patches as a dataset ready to train on', () => {
    const r = tessella(['patches', 'extract', '--slide', svsPath!, '--size', '224', '--mpp', '0.5', '--dataset', 'cmu-regions', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.outDir).toBe(join(env.TESSELLA_HOME, 'datasets', 'extracted', 'cmu-regions'));
    expect(result.dataset).toMatchObject({ name: 'cmu-regions', images: result.patches.length });
    const info = tessella(['dataset', 'info', 'cmu-regions', '--json'], env);
    expect(info.code, info.stderr).toBe(0);
    const ds = JSON.parse(info.stdout);
    const byLabel: Record<string, number> = {};
    for (const p of result.patches) byLabel[p.label] = (byLabel[p.label] ?? 0) + 1;
    expect(Object.fromEntries(ds.classes.map((c: { label: string; total: number }) => [c.label, c.total]))).toEqual(byLabel);
    expect(ds.mpp).toBe(0.5);
  });
});
