/**
 * A model trained here carries its held-out quality into the registry: dataset, classes, balanced
 * accuracy with its 95% interval and chance, exactly as the run's final validation report says,
 * and the "not above chance" flag follows the rule in src/shared/model-quality.ts.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFinal } from '../../../src/shared/contract/training.js';
import { notAboveChance } from '../../../src/shared/model-quality.js';
import { qualityOf } from '../../../src/main/models/model-quality.js';
import { ModelRegistry } from '../../../src/main/models/registry.js';
import { openDb } from '../../../src/main/store/db.js';
import { tessella } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, lungCopy, oneJson, vitTiny } from '../train/fixtures.js';

const home = tempHome('tessella-model-quality-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

describe('registered model quality from its training run', needs(lung, vitTiny), () => {
  let runId: number;
  const out = join(home.dir, 'model');

  beforeAll(() => {
    const data = lungCopy(home.dir);
    const r = tessella(
      ['train', '--data', data.dir, '--init', vitTiny!, '--mode', 'full', '--epochs', '2', '--batch-size', '16', '--lr', '5e-3', '--seed', '1', '--out', out, '--json'],
      env,
      600_000,
    );
    expect(r.code, r.stderr).toBe(0);
    runId = oneJson(r.stdout).runId;
  }, 600_000);

  it('lists the model with the run validation balanced accuracy, its interval, classes and chance', () => {
    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      const row = db.prepare('SELECT dataset_name, final_json FROM runs WHERE id = ?').get(runId) as { dataset_name: string | null; final_json: string };
      const final = JSON.parse(row.final_json) as RunFinal;
      const val = final.val!;
      expect(val.n).toBeGreaterThan(0);
      const model = new ModelRegistry(db, join(home.dir, 'cache')).list().find((m) => m.quality);
      expect(model, 'the trained model is registered with a quality record').toBeDefined();
      const q = model!.quality!;
      console.log(`[quality] ${q.dataset}: balanced accuracy ${q.valBalancedAccuracy.toFixed(3)} [${q.ci?.map((v) => v.toFixed(3)).join(', ')}] on ${q.valImages} images; at chance: ${q.atChance}`);
      expect(q).toMatchObject({ dataset: row.dataset_name, valBalancedAccuracy: val.balancedAccuracy, valImages: val.n, split: 'val', classes: ['lung_aca', 'lung_n', 'lung_scc'] });
      expect(q.chance).toBeCloseTo(1 / 3, 10);
      expect(q.ci).toEqual(val.ci.balancedAccuracy);
      expect(q.ci![0]).toBeLessThanOrEqual(q.valBalancedAccuracy);
      expect(q.atChance).toBe(notAboveChance(val.balancedAccuracy, val.ci.balancedAccuracy, 3));
      // the model's own row names the run, so `get` agrees with `list`
      expect(new ModelRegistry(db, join(home.dir, 'cache')).get(model!.id)!.quality).toEqual(q);
    } finally {
      db.close();
    }
  });

  it('flags the same report as at chance once its interval reaches down to 1/k', () => {
    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      const final = JSON.parse((db.prepare('SELECT final_json FROM runs WHERE id = ?').get(runId) as { final_json: string }).final_json) as RunFinal;
      const val = final.val!;
      const clear = qualityOf({ val: { ...val, balancedAccuracy: 0.9, ci: { ...val.ci, balancedAccuracy: [0.8, 0.97] } }, test: null }, 'lung');
      expect(clear!.atChance).toBe(false);
      const wide = qualityOf({ val: { ...val, balancedAccuracy: 0.5, ci: { ...val.ci, balancedAccuracy: [0.3, 0.7] } }, test: null }, 'lung');
      expect(wide!.atChance).toBe(true);
      const guessing = qualityOf({ val: { ...val, balancedAccuracy: 0.36, ci: { ...val.ci, balancedAccuracy: null } }, test: null }, 'lung');
      expect(guessing!.atChance).toBe(true);
      // no validation split: the test report stands in
      expect(qualityOf({ val: null, test: val }, null)!.split).toBe('test');
      expect(qualityOf({ val: null, test: null }, null)).toBeNull();
    } finally {
      db.close();
    }
  });
});
