/**
 * `tessella train --backbone B --head logreg --cv K --repeats R --sweep c=...` end to end on the
 * grouped lung patches with the tiny ViT oracle: one JSON document with every fold and the mean ±
 * sd summaries, the group kept in the database, and usage errors as one line with exit code 2.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../../src/main/store/db.js';
import { RunGroupsRepo } from '../../../src/main/store/run-groups-repo.js';
import { tessella } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { groupedLung } from './cv-fixtures.js';
import { lung, oneJson, vitTiny } from './fixtures.js';

const home = tempHome('tessella-cv-cli-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

describe('tessella train --cv', { ...needs(lung, vitTiny), timeout: 600_000 }, () => {
  let out: any;

  beforeAll(async () => {
    const set = await groupedLung(home.dir);
    const imp = tessella(['dataset', 'import', set.root, '--csv', set.csv, '--name', 'grouped', '--json'], env, 300_000);
    expect(imp.code, imp.stderr).toBe(0);
    const r = tessella(['train', '--dataset', 'grouped', '--backbone', vitTiny!, '--head', 'logreg', '--cv', '4', '--repeats', '2', '--sweep', 'c=0.1,1', '--seed', '5', '--json'], env, 600_000);
    expect(r.code, r.stderr).toBe(0);
    out = oneJson(r.stdout);
  }, 900_000);

  it('prints every fold of every seed and grid point, and the mean ± sd of every metric', () => {
    expect(out).toMatchObject({ kind: 'sweep', mode: 'head', head: 'logreg', dataset: 'grouped', folds: 4, repeats: 2, seed: 5, monitor: 'val_accuracy' });
    expect(out.embeddings).toMatchObject({ images: 93, computed: 93 });
    expect(out.results).toHaveLength(2 * 2 * 4);
    expect(out.points.map((p: any) => p.params)).toEqual([{ c: 0.1 }, { c: 1 }]);
    for (const seed of [5, 6]) {
      for (const c of [0.1, 1]) {
        const folds = out.results.filter((f: any) => f.seed === seed && f.params.c === c);
        expect(folds.map((f: any) => f.fold).sort()).toEqual([0, 1, 2, 3]);
        // every image held out exactly once per seed
        expect(folds.reduce((a: number, f: any) => a + f.n.test, 0)).toBe(93);
      }
    }
    for (const [g, p] of out.points.entries()) {
      const mine = out.results.filter((f: any) => f.params.c === out.points[g].params.c);
      const acc = mine.map((f: any) => f.metrics.test_accuracy);
      const m = acc.reduce((a: number, b: number) => a + b, 0) / acc.length;
      const sd = Math.sqrt(acc.reduce((a: number, v: number) => a + (v - m) ** 2, 0) / (acc.length - 1));
      expect(p.metrics.test_accuracy.n).toBe(8);
      expect(p.metrics.test_accuracy.mean).toBeCloseTo(m, 12);
      expect(p.metrics.test_accuracy.sd).toBeCloseTo(sd, 12);
      expect(p.metrics.test_accuracy.mean).toBeGreaterThan(0.5);
    }
    expect(out.bestParams).toEqual(out.points[out.best].params);
    expect(out.summary).toEqual(out.points[out.best].metrics);
    expect(out.pooledTest.n).toBe(93);
    expect(out.pooledTest.curves).toBeUndefined();
  });

  it('keeps the group, with its pooled ROC and calibration, in the database', () => {
    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      const g = new RunGroupsRepo(db).get(out.group)!;
      expect(g.results).toEqual(out.results);
      expect(g.points).toEqual(out.points);
      expect(g.pooledTest!.curves.reliability.length).toBeGreaterThan(0);
      expect(Object.keys(g.pooledTest!.curves.roc)).toHaveLength(3);
    } finally {
      db.close();
    }
  });

  it('text mode prints a fold table and the mean ± sd summary', () => {
    const r = tessella(['train', '--dataset', 'grouped', '--backbone', vitTiny!, '--cv', '3'], env, 300_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3-fold cross-validation x 1 seed/);
    expect(r.stdout).toMatch(/mean ± sd across folds and seeds/);
    expect(r.stdout.split('\n').filter((l) => /^0\s+[123]\s/.test(l))).toHaveLength(3);
  });

  it('without --backbone trains one run per fold through the launcher, each holding out its fold, and groups the runs', () => {
    const out = join(home.dir, 'folds');
    const r = tessella(['train', '--dataset', 'grouped', '--init', vitTiny!, '--mode', 'head', '--epochs', '1', '--batch-size', '16', '--lr', '0.01', '--cv', '3', '--seed', '2', '--out', out, '--json'], env, 600_000);
    expect(r.code, r.stderr).toBe(0);
    const g = oneJson(r.stdout);
    expect(g).toMatchObject({ kind: 'cv', mode: 'head', folds: 3, repeats: 1, seed: 2, pooledTest: null });
    expect(g.results).toHaveLength(3);
    // each fold's run scored its own held-out fold: together every image once
    expect(g.results.reduce((a: number, f: any) => a + f.n.test, 0)).toBe(93);
    for (const f of g.results) expect(f.n.train + f.n.val + f.n.test).toBe(93);
    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      const runs = db.prepare('SELECT id, status, group_id AS groupId, config_json AS config, final_json AS final FROM runs WHERE group_id = ? ORDER BY id').all(g.group) as { id: number; status: string; groupId: number; config: string; final: string }[];
      expect(runs.map((x) => x.id)).toEqual(g.results.map((f: any) => f.runId));
      runs.forEach((x, i) => {
        expect(x.status).toBe('completed');
        expect(JSON.parse(x.config).fold).toEqual({ k: 3, index: i, seed: 2 });
        const final = JSON.parse(x.final);
        expect(final.test.n).toBe(g.results[i].n.test);
        expect(final.test.accuracy).toBe(g.results[i].metrics.test_accuracy);
      });
    } finally {
      db.close();
    }
    const acc = g.results.map((f: any) => f.metrics.test_accuracy);
    expect(g.summary.test_accuracy.mean).toBeCloseTo(acc.reduce((a: number, b: number) => a + b, 0) / 3, 12);
  });

  it('rejects too few folds, an unknown sweep name and --sweep without --cv, in one line with exit code 2', () => {
    const cases = [
      ['--cv', '1'],
      ['--cv', '3', '--sweep', 'hidden=8'],
      ['--sweep', 'c=1', '--out', join(home.dir, 'x')],
    ];
    for (const extra of cases) {
      const r = tessella(['train', '--dataset', 'grouped', '--backbone', vitTiny!, ...extra], env, 120_000);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
