/**
 * The Training page's cross-validation option: the training.startGroup input it makes from the
 * head form (the head's own settings carried over, only its sweepable values swept) or from a
 * last-k or full fine-tuning form (the run's settings as each fold's), its checks in the
 * contract's words, and the preview of what that costs.
 */
import { describe, expect, it } from 'vitest';
import { cvPlan as planOrNull, cvPreview, initialCv, type CvForm } from '../../../src/renderer/src/training/cvForm.js';
import { initialForm, validateForm, type TrainForm } from '../../../src/renderer/src/training/trainForm.js';

const head = (patch: Partial<TrainForm>) => {
  const v = validateForm({ ...initialForm, datasetId: '3', start: 'backbone:/models/dino', ...patch });
  if (!v.input) throw new Error(JSON.stringify(v.errors));
  return v.input;
};
const cv = (patch: Partial<CvForm>): CvForm => ({ ...initialCv, on: true, ...patch });
const cvPlan = (...a: Parameters<typeof planOrNull>) => {
  const plan = planOrNull(...a);
  if (!plan) throw new Error('this form cannot be cross-validated');
  return plan;
};

describe('the cross-validation option of the Training page', () => {
  it('starts a logistic-regression cross-validation with the head settings and a C sweep', () => {
    const plan = cvPlan(head({ cs: '0.1, 1', seed: '4', balance: 'loss', name: 'lung cv' }), cv({ folds: '3', repeats: '2', c: '0.1, 1, 10', lr: '0.5' }));
    expect(plan.errors).toEqual({});
    expect(plan.input).toMatchObject({ datasetId: 3, backbone: '/models/dino', head: 'logreg', folds: 3, repeats: 2, seed: 4, balance: true, cs: [0.1, 1], name: 'lung cv' });
    // a logistic regression has no learning rate to sweep: only C is taken
    expect(plan.input!.sweep).toEqual({ c: [0.1, 1, 10] });
    expect(cvPreview(plan, cv({ folds: '3', repeats: '2' }))).toBe('3 folds × 2 seeds × 3 settings = 18 heads fitted');
  });

  it('sweeps an MLP over learning rate, weight decay and epochs: the grid is their product', () => {
    const form = cv({ folds: '2', repeats: '1', lr: '0.001,0.01', weightDecay: '0.01', epochs: '10 20 40', c: '5' });
    const plan = cvPlan(head({ head: 'mlp', epochs: '30' }), form);
    expect(plan.input!.sweep).toEqual({ lr: [0.001, 0.01], weightDecay: [0.01], epochs: [10, 20, 40] });
    expect(plan.input!.epochs).toBe(30);
    expect(plan.fits).toBe(2 * 1 * 6);
    expect(cvPreview(plan, form)).toBe('2 folds × 1 seed × 6 settings = 12 heads fitted');
  });

  it('says which field is wrong: folds outside 2-10, seeds outside 1-5, a value that is not a number', () => {
    expect(cvPlan(head({}), cv({ folds: '1' })).errors.folds).toBe('2 to 10 folds');
    expect(cvPlan(head({}), cv({ folds: '11' })).errors.folds).toBe('2 to 10 folds');
    expect(cvPlan(head({}), cv({ repeats: '6' })).errors.repeats).toBe('1 to 5 seeds');
    const bad = cvPlan(head({ head: 'mlp' }), cv({ epochs: '10, x' }));
    expect(bad.input).toBeNull();
    expect(Object.keys(bad.errors)).toEqual(['sweep.epochs']);
    expect(bad.fits).toBeNull();
    expect(cvPreview(bad, cv({}))).toMatch(/^Give whole numbers/);
  });

  it('fine-tunes the last k blocks per fold: the run settings go whole, the cost is said in runs and epochs', () => {
    const run = head({ start: 'init:/models/vit_tiny', mode: 'last-k', lastK: '1', epochs: '5', batchSize: '8', seed: '2', name: 'lk' });
    const plan = cvPlan(run, cv({ folds: '3', repeats: '1', c: '3', lr: '0.0001, 0.001' }));
    expect(plan.errors).toEqual({});
    expect(plan.input).toMatchObject({ datasetId: 3, mode: 'last-k', folds: 3, repeats: 1, seed: 2, name: 'lk', sweep: { lr: [0.0001, 0.001] } });
    expect(plan.input!.train).toMatchObject({ init: '/models/vit_tiny', lastK: 1, epochs: 5, batchSize: 8 });
    // what the group decides is not a run setting
    for (const k of ['datasetId', 'seed', 'name', 'mode', 'monitor', 'backbone']) expect(plan.input!.train).not.toHaveProperty(k);
    expect(plan.input).not.toHaveProperty('backbone');
    expect(cvPreview(plan, cv({ folds: '3', repeats: '1' }))).toBe('3 folds × 1 seed × 2 settings = 6 fine-tunes of vit_tiny, last 1 block, ~5 epochs each');
    const one = cvPlan(head({ start: 'arch:vit-ti16', mode: 'full', epochs: '20' }), cv({ folds: '4', repeats: '2', epochs: '10, 30' }));
    expect(cvPreview(one, cv({ folds: '4', repeats: '2' }))).toBe('4 folds × 2 seeds × 2 settings = 16 fine-tunes of vit-ti16, every weight, ~10–30 epochs each');
    const single = cvPlan(head({ start: 'arch:resnet-18', mode: 'last-k', lastK: '2', epochs: '1' }), cv({ folds: '3', repeats: '1' }));
    expect(cvPreview(single, cv({ folds: '3', repeats: '1' }))).toBe('3 folds × 1 seed = 3 fine-tunes of resnet-18, last 2 blocks, ~1 epoch each');
  });

  it('asks a fine-tuning cross-validation for 3 folds at least, and offers none for head mode on a fine-tunable model', () => {
    const run = head({ start: 'init:/models/vit_tiny', mode: 'full' });
    expect(cvPlan(run, cv({ folds: '2' })).errors.folds).toBe('3 to 10 folds');
    expect(cvPlan(run, cv({ folds: '2' })).input).toBeNull();
    expect(planOrNull(head({ start: 'init:/models/vit_tiny', mode: 'head' }), cv({}))).toBeNull();
  });
});
