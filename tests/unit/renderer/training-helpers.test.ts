/**
 * The Training and Runs pages' pure helpers: durations and ETAs, metric formatting, progress of a
 * live run, curves from recorded metrics, the best column of the comparison table, and the form's
 * validation against the contract's TrainConfig schema.
 */
import { describe, expect, it } from 'vitest';
import type { MetricPoint, TrainingProgress } from '../../../src/shared/contract/training.js';
import { formatDuration } from '../../../src/renderer/src/format.js';
import { formatEta, formatMetric, lowerIsBetter } from '../../../src/renderer/src/runs/formatRun.js';
import { accuracySeries, epochCurves, lossSeries, stepLossPoints } from '../../../src/renderer/src/runs/curves.js';
import { bestColumns } from '../../../src/renderer/src/runs/compareRows.js';
import { liveStatus, messageFraction, progressFraction, statusLabel } from '../../../src/renderer/src/training/liveProgress.js';
import { defaultLr, initialForm, schemaDefaults, suggestedMode, toInput, validateForm, type TrainForm } from '../../../src/renderer/src/training/trainForm.js';

const at = '2026-01-01T00:00:00Z';
const point = (epoch: number, step: number | null, split: 'train' | 'val', name: string, value: number): MetricPoint => ({ epoch, step, split, name, value, at });
const progress = (p: Partial<TrainingProgress>): TrainingProgress => ({
  runId: 1,
  status: 'running',
  phase: 'training',
  epoch: 1,
  epochs: 4,
  step: 0,
  steps: 10,
  loss: null,
  lr: null,
  imagesPerSecond: null,
  etaSeconds: null,
  metrics: {},
  ...p,
});

describe('durations and ETAs', () => {
  it('reads in at most two units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(0.43)).toBe('0.4 s');
    expect(formatDuration(9.2)).toBe('9.2 s');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3600)).toBe('1 h 00 min');
    expect(formatDuration(7620)).toBe('2 h 07 min');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).toBe('3 d 4 h');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('says when there is no estimate yet', () => {
    expect(formatEta(null)).toBe('estimating time left…');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('estimating time left…');
    expect(formatEta(0.4)).toBe('almost done');
    expect(formatEta(130)).toBe('about 2 min 10 s left');
  });
});

describe('metric formatting', () => {
  it('shows fractions as percentages and losses as numbers', () => {
    expect(formatMetric('val_accuracy', 0.8571)).toBe('85.7%');
    expect(formatMetric('macroF1', 1)).toBe('100.0%');
    expect(formatMetric('val_loss', 0.51234)).toBe('0.5123');
    expect(formatMetric('logLoss', 0.00001234)).toBe('1.23e-5');
    expect(formatMetric('seconds', 65)).toBe('1 min 05 s');
    expect(formatMetric('imagesPerSecond', 12.345)).toBe('12.3 img/s');
    expect(formatMetric('auc', null)).toBe('—');
  });

  it('knows which metrics are better low', () => {
    expect(['val_loss', 'logLoss', 'ece', 'seconds'].every(lowerIsBetter)).toBe(true);
    expect(['accuracy', 'macroF1', 'auc', 'imagesPerSecond', 'balancedAccuracy'].some(lowerIsBetter)).toBe(false);
  });

  it('marks the best column of a comparison row, ties included, lower for losses', () => {
    expect([...bestColumns([0.8, 0.9, null], 'accuracy')]).toEqual([1]);
    expect([...bestColumns([0.5, 0.3, 0.3], 'logLoss')]).toEqual([1, 2]);
    expect([...bestColumns([0.5, null], 'accuracy')]).toEqual([]);
    expect([...bestColumns([12, 30], 'imagesPerSecond')]).toEqual([1]);
  });
});

describe('live progress', () => {
  const run = { status: 'running' as const, epochs: 4, epochsCompleted: 1 };

  it('counts epochs and steps done', () => {
    expect(progressFraction(progress({ epoch: 2, step: 5, steps: 10 }), run)).toBeCloseTo(1.5 / 4, 12);
    expect(progressFraction(progress({ epoch: 4, step: 10, steps: 10, phase: 'validating' }), run)).toBe(1);
    expect(progressFraction(progress({ phase: 'evaluating' }), run)).toBe(1);
  });

  it('is indeterminate while images are read or features computed, unless epochs are already done', () => {
    expect(progressFraction(progress({ phase: 'features', epoch: 0, steps: 0 }), { ...run, epochsCompleted: 0 })).toBeNull();
    expect(progressFraction(progress({ phase: 'preparing', epoch: 0, steps: 0 }), run)).toBe(0.25);
  });

  it('trusts a finished row over a stale event, and an event over a running row', () => {
    expect(liveStatus(progress({ status: 'running' }), { status: 'completed' })).toBe('completed');
    expect(liveStatus(progress({ status: 'cancelled' }), { status: 'running' })).toBe('cancelled');
    expect(liveStatus(null, null)).toBeNull();
    expect(progressFraction(null, null)).toBe(0);
    expect(progressFraction(progress({ status: 'running' }), { status: 'completed', epochs: 4, epochsCompleted: 4 })).toBe(1);
    expect(progressFraction(null, { status: 'cancelled', epochs: 4, epochsCompleted: 1 })).toBe(0.25);
  });

  it('headlines what the run does: cancelling over its phase, running before any report, never "Stopped (running)"', () => {
    expect(statusLabel('running', 'training', progress({ cancelling: true }))).toBe('Cancelling…');
    expect(statusLabel('running', 'training', progress({}))).toBe('Training');
    expect(statusLabel('running', null, null)).toBe('Running');
    expect(statusLabel('cancelled', null, progress({ cancelling: true }))).toBe('Stopped (cancelled)');
    expect(statusLabel('queued', null, null)).toBe('Queued: waiting to start');
  });

  it('reads "features 12/90" as a fraction', () => {
    expect(messageFraction('features 45/90')).toBe(0.5);
    expect(messageFraction('reading images 3 / 12')).toBe(0.25);
    expect(messageFraction('validating')).toBeNull();
    expect(messageFraction(undefined)).toBeNull();
  });
});

describe('curves from recorded metrics', () => {
  const metrics: MetricPoint[] = [
    point(1, 1, 'train', 'loss', 1.2),
    point(1, 2, 'train', 'loss', 1.0),
    point(1, 1, 'train', 'lr', 0.001),
    point(1, null, 'train', 'loss', 1.1),
    point(1, null, 'train', 'accuracy', 0.4),
    point(1, null, 'val', 'loss', 1.05),
    point(1, null, 'val', 'accuracy', 0.5),
    point(2, 3, 'train', 'loss', 0.8),
    point(2, null, 'val', 'accuracy', 0.7),
  ];

  it('collects per-epoch values by split and name', () => {
    const c = epochCurves(metrics);
    expect(c.val_accuracy).toEqual([
      { x: 1, y: 0.5 },
      { x: 2, y: 0.7 },
    ]);
    expect(c.train_loss).toEqual([{ x: 1, y: 1.1 }]);
    expect(c.train_lr).toBeUndefined();
  });

  it('spreads step losses over their epoch, a running epoch by the steps it will have', () => {
    expect(stepLossPoints(metrics)).toEqual([
      { x: 0.5, y: 1.2 },
      { x: 1, y: 1.0 },
      { x: 1.5, y: 0.8 },
    ]);
    expect(stepLossPoints(metrics, { epoch: 2, steps: 4 }).at(-1)).toEqual({ x: 1.25, y: 0.8 });
  });

  it('makes loss and accuracy series with one point per epoch', () => {
    const loss = lossSeries(metrics);
    expect(loss.map((s) => [s.id, s.points.length])).toEqual([
      ['train_loss_step', 3],
      ['train_loss', 1],
      ['val_loss', 1],
    ]);
    expect(accuracySeries(metrics).find((s) => s.id === 'val_accuracy')!.points).toHaveLength(2);
  });
});

describe('the training form', () => {
  const form = (patch: Partial<TrainForm>): TrainForm => ({ ...initialForm, datasetId: '3', start: 'arch:resnet-18', ...patch });

  it('starts from the schema defaults', () => {
    expect(initialForm.epochs).toBe(String(schemaDefaults.epochs));
    expect(initialForm.batchSize).toBe('16');
    expect(initialForm.mode).toBe(schemaDefaults.mode);
    expect(initialForm.augmentOn).toBe(true);
    expect(defaultLr('head', 'adamw')).toBe(1e-3);
    expect(defaultLr('full', 'sgd')).toBeCloseTo(1e-3, 12);
  });

  it('suggests head mode for pretrained weights on a CPU-only machine only', () => {
    expect(suggestedMode('init:/models/vit', true).mode).toBe('head');
    expect(suggestedMode('init:/models/vit', true).reason).toMatch(/CPU/);
    expect(suggestedMode('init:/models/vit', false)).toEqual({ mode: schemaDefaults.mode, reason: null });
    expect(suggestedMode('arch:vit-b16', true)).toEqual({ mode: schemaDefaults.mode, reason: null });
  });

  it('turns the form into a training.start input the schema accepts', () => {
    const ok = validateForm(form({ mode: 'head', epochs: '2', name: ' first ', lr: '' }));
    expect(ok.errors).toBeNull();
    expect(ok.input).toMatchObject({ datasetId: 3, arch: 'resnet-18', mode: 'head', epochs: 2, name: 'first', patience: null });
    expect(ok.input).not.toHaveProperty('lr');
    expect(ok.input).not.toHaveProperty('lastK');
    const init = toInput(form({ start: 'init:/models/vit tiny', mode: 'last-k', lastK: '3', optimizer: 'sgd', momentum: '0.8' }));
    expect(init).toMatchObject({ init: '/models/vit tiny', lastK: 3, momentum: 0.8, optimizer: 'sgd' });
    expect(init).not.toHaveProperty('arch');
    expect(toInput(form({ augmentOn: false })).augment).toBeNull();
    expect(toInput(form({ earlyStopping: true, patience: '3', minDelta: '0.01' }))).toMatchObject({ patience: 3, minDelta: 0.01 });
  });

  it('trains a head on a frozen backbone: the backbone and head kind go out, in head mode, whatever mode was showing', () => {
    expect(suggestedMode('backbone:/hub/owkin--phikon/abc', false).mode).toBe('head');
    const ok = validateForm(form({ start: 'backbone:/hub/owkin--phikon/abc', head: 'mlp', mode: 'full' }));
    expect(ok.errors).toBeNull();
    expect(ok.input).toMatchObject({ backbone: '/hub/owkin--phikon/abc', head: 'mlp', mode: 'head' });
    expect(ok.input).not.toHaveProperty('arch');
    expect(ok.input).not.toHaveProperty('init');
    expect(toInput(form({ start: 'backbone:vit-ti16' }))).toMatchObject({ backbone: 'vit-ti16', head: 'logreg' });
  });

  it('sends a head only what it uses: the C sweep for logreg, hidden units and epochs for an MLP, never batches or augmentation', () => {
    const logreg = validateForm(form({ start: 'backbone:/hub/phikon', head: 'logreg', cs: '0.1, 1 10', epochs: '7', batchSize: '4', lr: '0.5' }));
    expect(logreg.errors).toBeNull();
    expect(logreg.input).toMatchObject({ backbone: '/hub/phikon', head: 'logreg', cs: [0.1, 1, 10], augment: null });
    for (const k of ['epochs', 'batchSize', 'lr', 'hidden']) expect(logreg.input).not.toHaveProperty(k);
    const mlp = validateForm(form({ start: 'backbone:/hub/phikon', head: 'mlp', cs: '0.1', hidden: '64', epochs: '7', batchSize: '4' }));
    expect(mlp.input).toMatchObject({ head: 'mlp', hidden: 64, epochs: 7, augment: null });
    for (const k of ['cs', 'batchSize']) expect(mlp.input).not.toHaveProperty(k);
    expect(validateForm(form({ start: 'backbone:/hub/phikon', cs: '0.1, x' })).errors).toHaveProperty('cs');
    // head mode on a checkpoint trains on features computed once: augmentation is not sent either
    expect(toInput(form({ start: 'init:/models/vit', mode: 'head' })).augment).toBeNull();
  });

  it('reports problems per field in the schema’s words', () => {
    const bad = validateForm(form({ epochs: '0', batchSize: 'x', labelSmoothing: '0.9' }));
    expect(bad.input).toBeNull();
    expect(Object.keys(bad.errors!).sort()).toEqual(['batchSize', 'epochs', 'labelSmoothing']);
    expect(bad.errors!.epochs).toMatch(/>=\s*1|too small/i);
    const missing = validateForm({ ...initialForm });
    expect(Object.keys(missing.errors!).sort()).toEqual(['datasetId', 'start']);
    const stain = validateForm(form({ stainOn: true, stain: { method: 'macenko', reference: ' ' } }));
    expect(stain.errors).toHaveProperty('stain');
  });
});

describe('run routes', () => {
  it('parses a run and a comparison, and builds their links', async () => {
    const { parseHash, href } = await import('../../../src/renderer/src/router.js');
    expect(parseHash('#/runs/12')).toEqual({ page: 'run', runId: 12 });
    expect(parseHash('#/runs/compare/3,5,3')).toEqual({ page: 'runs-compare', runIds: [3, 5] });
    expect(parseHash('#/runs/compare/')).toEqual({ page: 'not-found', hash: '/runs/compare' });
    expect(parseHash('#/runs/0').page).toBe('not-found');
    expect(parseHash('#/runs')).toEqual({ page: 'runs' });
    expect(parseHash(href.run(7))).toEqual({ page: 'run', runId: 7 });
    expect(parseHash(href.compareRuns([2, 9]))).toEqual({ page: 'runs-compare', runIds: [2, 9] });
  });
});

describe('re-reading a live run', () => {
  const m = (epoch: number, step: number | null, value = 1): MetricPoint => point(epoch, step, step === null ? 'val' : 'train', 'loss', value);
  it('re-reads from the epoch after the last finished one', async () => {
    const { openEpoch } = await import('../../../src/renderer/src/runs/curves.js');
    expect(openEpoch([])).toBe(1);
    expect(openEpoch([m(1, 1), m(1, 2)])).toBe(1);
    expect(openEpoch([m(1, 1), m(1, null), m(2, 3)])).toBe(2);
  });

  it('replaces what it re-read and keeps the finished epochs', async () => {
    const { mergeFrom } = await import('../../../src/renderer/src/runs/curves.js');
    const old = [m(1, 1), m(1, null), m(2, 3, 0.9)];
    // a resume trains epoch 2 again: its old partial steps give way to the new ones
    expect(mergeFrom(old, 2, [m(2, 3, 0.5), m(2, 4, 0.4)])).toEqual([m(1, 1), m(1, null), m(2, 3, 0.5), m(2, 4, 0.4)]);
    expect(mergeFrom(old, 3, [])).toEqual(old);
  });
});
