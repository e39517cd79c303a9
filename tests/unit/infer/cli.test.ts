/** `tessella slide infer` and `tessella explain` as a user runs them (child process, --json). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../../src/main/app-context';
import { tessella } from '../../helpers/cli';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const ihc = sharedPath(SLIDES.ihc);
const vitTiny = sharedPath('oracle/vit_tiny');
const home = tempHome('tessella-infer-cli-');
afterAll(() => home.cleanup());
const env = { TESSELLA_HOME: join(home.dir, 'home') };

describe('tessella slide infer', { ...needs(svs, vitTiny), timeout: 240_000 }, () => {
  it('prints the summary as JSON and writes exactly the four export files', () => {
    const out = join(home.dir, 'out');
    const r = tessella(['slide', 'infer', svs!, '--model', vitTiny!, '--mpp', '4', '--out', out, '--json'], env, 180_000);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ tiles: 108, tissueTiles: expect.any(Number), slideLabel: expect.any(String), seconds: expect.any(Number), tilesPerSecond: expect.any(Number) });
    expect(j.tissueTiles).toBeGreaterThan(20);
    // no GPU provider is usable here: the engine.provider default (auto) runs on cpu, and the analysis records it
    expect(j.provider).toBe('cpu');
    expect(j.providerNote).toBeUndefined();
    expect(j.tissueTiles).toBeLessThan(108);
    expect(Object.keys(j.classFractions)).toEqual(['cat', 'dog', 'bird']);
    expect(Object.values(j.classFractions as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(j.tilesPerSecond).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual(['heatmap.png', 'summary.json', 'tiles.csv', 'tiles.geojson']);
    const geo = JSON.parse(readFileSync(join(out, 'tiles.geojson'), 'utf8'));
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features).toHaveLength(j.tissueTiles);
    expect(geo.features[0].properties.objectType).toBe('tile');
    expect(readFileSync(join(out, 'tiles.csv'), 'utf8').trim().split('\n')).toHaveLength(j.tissueTiles + 1);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).slideLabel).toBe(j.slideLabel);
  });

  it('a --provider that cannot load here runs on cpu, with the reason kept in the analysis', () => {
    const r = tessella(['slide', 'infer', svs!, '--model', vitTiny!, '--mpp', '8', '--provider', 'coreml', '--json'], env, 180_000);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.provider).toBe(process.platform === 'darwin' ? 'coreml' : 'cpu');
    if (process.platform !== 'darwin') {
      expect(j.providerNote).toMatch(/^coreml pinned by --provider, but it cannot load here .*; using cpu$/);
      expect(r.stderr).toContain('note: coreml pinned by --provider');
    }
  });

  it('asks for --slide-mpp when the slide has none, and remembers it', needs(ihc), () => {
    const args = ['slide', 'infer', ihc!, '--model', vitTiny!, '--mpp', '2', '--json'];
    const missing = tessella(args, env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--slide-mpp/);
    const first = tessella([...args, '--slide-mpp', '0.5'], env, 180_000);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ reused: false, slideMpp: 0.5, tiles: 16 });
    // Remembered in the library, where the next run (or the app) finds it.
    const ctx = createAppContext({ host: 'cli', home: env.TESSELLA_HOME });
    try {
      expect(ctx.slides.list().find((s) => s.path === ihc)?.mpp).toEqual({ x: 0.5, y: 0.5 });
    } finally {
      ctx.close();
    }
  });
});

describe('tessella explain', { ...needs(vitTiny), timeout: 240_000 }, () => {
  it('writes the rollout over the image and prints the maps', async () => {
    const out = join(home.dir, 'map.png');
    const r = tessella(['explain', '--model', vitTiny!, join(vitTiny!, 'image_1.png'), '--out', out, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ method: 'rollout', out, extent: null });
    expect(j.maps.map((m: { name: string }) => m.name)).toEqual(['rollout', 'cls-head-0', 'cls-head-1', 'cls-head-2', 'cls-head-3']);
    expect(j.png).toBeUndefined();
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([j.width, j.height, 'png']);
  });
});
