/**
 * Embed once, train many heads, end to end through the CLI on the LC25000 lung patches with the
 * tiny ViT oracle as the frozen backbone:
 * - `train --backbone --head logreg` embeds every image once and records the C sweep as its curve;
 * - a second run on another dataset holding the same images embeds nothing (the store is keyed by
 *   backbone and image content) and gives another head;
 * - `predict` on the head model gives softmax(W e + b) with e from `tessella features` of the backbone;
 * - a slide analysed with head A, then with head B: B's analysis runs the backbone on no tile and
 *   gives the probabilities a from-scratch analysis with B gives.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src/main/ml/models/safetensors.js';
import { openDb } from '../../../src/main/store/db.js';
import { tessella } from '../../helpers/cli.js';
import { sharedPath, SLIDES } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, lungCopy, oneJson, vitTiny } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-heads-cli-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
const svs = sharedPath(SLIDES.svs);
afterAll(() => home.cleanup());

function npy(path: string): { rows: number; cols: number; data: Float32Array } {
  const buf = readFileSync(path);
  const hlen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + hlen).toString('latin1');
  const [rows, cols] = /'shape': \((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  const body = buf.subarray(10 + hlen);
  return { rows, cols, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('tessella train --backbone --head', needs(lung, vitTiny), () => {
  let first: any;
  let second: any;
  const outA = join(home.dir, 'head-a');
  const outB = join(home.dir, 'head-b');
  let dataDir: string;

  beforeAll(() => {
    dataDir = lungCopy(home.dir).dir;
    const imp = tessella(['dataset', 'import', dataDir, '--name', 'lung', '--json'], env, 300_000);
    expect(imp.code, imp.stderr).toBe(0);
    const r = tessella(['train', '--dataset', 'lung', '--backbone', vitTiny!, '--head', 'logreg', '--seed', '1', '--out', outA, '--json'], env, 600_000);
    expect(r.code, r.stderr).toBe(0);
    first = oneJson(r.stdout);
    // the same images as another dataset (imported from the folder by `--data`), another head
    const copy = lungCopy(join(home.dir, 'again')).dir;
    const r2 = tessella(['train', '--data', copy, '--backbone', vitTiny!, '--head', 'logreg', '--c', '0.5', '--balance', 'loss', '--seed', '2', '--out', outB, '--json'], env, 600_000);
    expect(r2.code, r2.stderr).toBe(0);
    second = oneJson(r2.stdout);
  }, 900_000);

  it('embeds every image once and records the sweep as the run curve', () => {
    expect(first.status).toBe('completed');
    expect(first.mode).toBe('head');
    expect(first.head).toBe('logreg');
    expect(first.embeddings).toMatchObject({ dim: 48, images: 90, computed: 90 });
    expect(first.epochs).toBe(4);
    expect(first.metrics.val.n + first.metrics.test.n).toBe(90 - 63);
    expect(first.metrics.val.accuracy).toBeGreaterThan(0.5); // chance is 1/3
    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      const rows = db.prepare("SELECT epoch, name, value FROM run_metrics WHERE run_id = ? AND name = 'head_c' AND step IS NULL ORDER BY epoch").all(first.runId) as { epoch: number; value: number }[];
      expect(rows.map((r) => r.value)).toEqual([0.01, 0.1, 1, 10]);
      const val = db.prepare("SELECT epoch, value FROM run_metrics WHERE run_id = ? AND split = 'val' AND name = 'accuracy' AND step IS NULL ORDER BY epoch").all(first.runId) as { epoch: number; value: number }[];
      expect(first.bestMetric).toBe(Math.max(...val.map((v) => v.value)));
      expect(val.find((v) => v.value === first.bestMetric)!.epoch).toBe(first.bestEpoch);
    } finally {
      db.close();
    }
  });

  it('a second run on another dataset with the same images embeds nothing', () => {
    expect(second.status).toBe('completed');
    expect(second.embeddings.computed).toBe(0);
    expect(second.embeddings.images).toBe(90);
    expect(second.embeddings.backboneHash).toBe(first.embeddings.backboneHash);
  });

  it('predict on the head model gives softmax(head(embedding)) of the backbone features', async () => {
    const files = ['lung_aca', 'lung_n', 'lung_scc'].map((c) => join(dataDir, c, readdirFirst(join(dataDir, c))));
    const f = tessella(['features', '--model', vitTiny!, '--out', join(home.dir, 'emb'), ...files, '--json'], env, 300_000);
    expect(f.code, f.stderr).toBe(0);
    const emb = npy(join(home.dir, 'emb.npy'));
    const p = tessella(['predict', '--model', outA, ...files, '--json'], env, 300_000);
    expect(p.code, p.stderr).toBe(0);
    const preds = oneJson(p.stdout) as { file: string; probabilities: Record<string, number> }[];
    const head = await readSafetensors(join(outA, 'head.safetensors'));
    const w = head.get('classifier.weight')!;
    const b = head.get('classifier.bias')!.data as Float32Array;
    const [k, d] = w.shape;
    expect(d).toBe(emb.cols);
    const labels = Object.values(JSON.parse(readFileSync(join(outA, 'config.json'), 'utf8')).id2label) as string[];
    files.forEach((_, i) => {
      const e = emb.data.subarray(i * d, (i + 1) * d);
      const z = Array.from({ length: k }, (_, c) => {
        let s = b[c];
        for (let j = 0; j < d; j++) s += (w.data as Float32Array)[c * d + j] * e[j];
        return s;
      });
      const expected = softmax(z);
      labels.forEach((l, c) => expect(preds[i].probabilities[l]).toBeCloseTo(expected[c], 5));
    });
  });

  it('a second head on an embedded slide runs the backbone on no tile', needs(svs), () => {
    const infer = (model: string, e: Record<string, string>, out: string) => {
      const r = tessella(['slide', 'infer', svs!, '--model', model, '--mpp', '8', '--min-tissue', '0', '--out', out, '--json'], e, 600_000);
      expect(r.code, r.stderr).toBe(0);
      return oneJson(r.stdout);
    };
    const a = infer(outA, env, join(home.dir, 'slide-a'));
    expect(a.tissueTiles).toBeGreaterThan(10);
    expect(a.embeddings.computed).toBe(a.tissueTiles);
    expect(a.embeddings.reused).toBe(0);
    const b = infer(outB, env, join(home.dir, 'slide-b'));
    expect(b.embeddings).toEqual({ reused: a.tissueTiles, computed: 0 });
    // the same head on a home without stored embeddings: every tile through the backbone, same numbers
    const fresh = infer(outB, { TESSELLA_HOME: join(home.dir, 'home-fresh') }, join(home.dir, 'slide-b-fresh'));
    expect(fresh.embeddings.computed).toBe(a.tissueTiles);
    const csv = (dir: string) =>
      readFileSync(join(dir, 'tiles.csv'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(','));
    const reusedRows = csv(join(home.dir, 'slide-b'));
    const freshRows = csv(join(home.dir, 'slide-b-fresh'));
    expect(reusedRows[0]).toEqual(freshRows[0]);
    const probCols = reusedRows[0].map((h, i) => (h.startsWith('p_') || h.startsWith('prob') ? i : -1)).filter((i) => i >= 0);
    expect(probCols.length).toBeGreaterThan(0);
    const byKey = (rows: string[][]) => new Map(rows.slice(1).map((r) => [`${r[0]},${r[1]}`, r]));
    const fr = byKey(freshRows);
    expect(fr.size).toBe(reusedRows.length - 1);
    for (const [key, row] of byKey(reusedRows)) for (const c of probCols) expect(Number(row[c])).toBeCloseTo(Number(fr.get(key)![c]), 4);
  });
});

function readdirFirst(dir: string): string {
  return readdirSync(dir).filter((n) => n.endsWith('.jpeg')).sort()[0];
}
