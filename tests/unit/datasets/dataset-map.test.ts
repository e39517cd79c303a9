/**
 * `tessella dataset map` on the LC25000 lung patches with the tiny ViT oracle as backbone: every
 * image is a point carrying its own label, split and path; the layout keeps the embedding's
 * neighbourhoods (a point's nearest image in embedding space lies among its nearest points on
 * the map far more often than chance), the same seed gives the same map, and a second map
 * embeds nothing (the embedding store has every image).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedFiles } from '../../../src/main/ml/infer/embed-files.js';
import { embeddingCacheRoot } from '../../../src/main/ml/infer/embedding-store.js';
import { onnxCacheDir } from '../../../src/main/ml/model-cache.js';
import { tessella } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, oneJson, vitTiny } from '../train/fixtures.js';

const home = tempHome('tessella-dataset-map-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

describe('tessella dataset map', needs(lung, vitTiny), () => {
  let first: any;
  const csv = join(home.dir, 'map.csv');

  beforeAll(() => {
    const imp = tessella(['dataset', 'import', lung!, '--name', 'lung', '--json'], env);
    expect(imp.code, imp.stderr).toBe(0);
    const r = tessella(['dataset', 'map', 'lung', '--backbone', vitTiny!, '--csv', csv, '--json'], env, 600_000);
    expect(r.code, r.stderr).toBe(0);
    first = oneJson(r.stdout);
  }, 900_000);

  it('maps every image once, each point with its own label and split', () => {
    expect(first.total).toBe(90);
    expect(first.points).toHaveLength(90);
    expect(first.computed).toBe(90);
    expect(new Set(first.points.map((p: any) => p.path)).size).toBe(90);
    for (const p of first.points) {
      expect(p.path.split('/').at(-2)).toBe(p.label); // class-per-folder: the folder is the label
      expect(['train', 'val', 'test']).toContain(p.split);
      expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
    }
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('x,y,label,split,predicted,duplicate_group,path');
    expect(lines).toHaveLength(91);
  });

  it("keeps the embedding's neighbourhoods: nearest image in embedding space is among the 10 nearest points for most images", async () => {
    const paths: string[] = first.points.map((p: any) => p.path);
    const emb = await embedFiles(vitTiny!, paths, { storeRoot: embeddingCacheRoot(env.TESSELLA_HOME), engineCacheDir: onnxCacheDir(env.TESSELLA_HOME) });
    expect(emb.computed).toBe(0); // the map stored them
    const e = emb.embeddings.map((v) => {
      const n = Math.hypot(...v!);
      return Array.from(v!, (x) => x / n);
    });
    const n = paths.length;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestSim = -Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const s = e[i].reduce((acc, x, k) => acc + x * e[j][k], 0);
        if (s > bestSim) (bestSim = s), (best = j);
      }
      const d2 = (j: number) => (first.points[i].x - first.points[j].x) ** 2 + (first.points[i].y - first.points[j].y) ** 2;
      const near = [...Array(n).keys()].filter((j) => j !== i).sort((a, b) => d2(a) - d2(b)).slice(0, 10);
      if (near.includes(best)) kept++;
    }
    // chance is 10/89 = 11%
    expect(kept / n).toBeGreaterThan(0.5);
  }, 120_000);

  it('the same seed gives the same map, without embedding again; another seed another layout', () => {
    const again = oneJson(tessella(['dataset', 'map', 'lung', '--backbone', vitTiny!, '--json'], env, 600_000).stdout);
    expect(again.computed).toBe(0);
    expect(again.points.map((p: any) => [p.x, p.y])).toEqual(first.points.map((p: any) => [p.x, p.y]));
    const other = oneJson(tessella(['dataset', 'map', 'lung', '--backbone', vitTiny!, '--seed', '7', '--max-points', '40', '--json'], env, 600_000).stdout);
    expect(other.points).toHaveLength(40);
    expect(other.total).toBe(90);
  }, 900_000);

  it('refuses bad input with one line', () => {
    const r = tessella(['dataset', 'map', 'lung', '--json'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--backbone/);
    const m = tessella(['dataset', 'map', 'nope', '--backbone', vitTiny!], env);
    expect(m.code).toBeGreaterThan(0);
    expect(m.stderr.trim()).toBe('tessella: no dataset named "nope"; see `tessella dataset list`');
  });
});
