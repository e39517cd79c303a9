/** The training-run report: each run in full, and a comparison section when there are several. */
import type { EvalReport, ResolvedTrainConfig } from '../../shared/contract/training.js';
import { classColor } from '../analysis/colormap.js';
import { esc, fixed, formatDate, kvTable, notesSection, page, pct, rgbCss, swatch, table, type ReportMeta } from './layout.js';
import type { RunData, RunReportData } from './run-data.js';
import { confusionMatrix, lineChart, type Series } from './svg-charts.js';

export function runName(r: RunData['run']): string {
  return r.name ?? `run ${r.id}`;
}

function duration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function hyperParameters(c: ResolvedTrainConfig, arch: string): string {
  const aug = c.augment
    ? [
        c.augment.hflip && 'h-flip',
        c.augment.vflip && 'v-flip',
        c.augment.rot90 && 'rot90',
        c.augment.crop && `crop ${c.augment.crop.scale.join('–')}`,
        `jitter b${c.augment.brightness} c${c.augment.contrast} s${c.augment.saturation} h${c.augment.hue}`,
        c.augment.hed && `HED σ${c.augment.hed.sigma} bias ${c.augment.hed.bias}`,
      ]
        .filter(Boolean)
        .join(', ')
    : 'none';
  return kvTable([
    ['Architecture', arch],
    ['Initial weights', c.init ?? 'built-in architecture (random)'],
    ['Mode', c.mode === 'last-k' ? `last-k (k = ${c.lastK})` : c.mode],
    ['Epochs', c.epochs],
    ['Batch size', c.accumulate > 1 ? `${c.batchSize} × ${c.accumulate} accumulated` : c.batchSize],
    ['Optimizer', c.optimizer === 'adamw' ? `AdamW (β ${c.betas.join(', ')})` : `SGD (momentum ${c.momentum})`],
    ['Learning rate', `${c.lr}, ${c.warmupEpochs} warm-up epoch${c.warmupEpochs === 1 ? '' : 's'}, ${c.decay} decay to ${c.minLrRatio} × lr`],
    ['Weight decay', c.weightDecay],
    ['Label smoothing', c.labelSmoothing],
    ['Class balance', c.balance],
    ['Gradient clipping', c.maxGradNorm === null ? 'none' : c.maxGradNorm],
    ['Monitor / early stopping', `${c.monitor}${c.patience === null ? ', no early stopping' : `, patience ${c.patience} (min delta ${c.minDelta})`}`],
    ['Augmentation', c.mode === 'head' ? 'none (head mode trains on features computed once)' : aug],
    ['Stain normalisation', c.stain ? `${c.stain.method} to ${c.stain.reference}` : 'none'],
    ['Seed', c.seed],
  ]);
}

function datasetSection(d: RunData): string {
  const ds = d.dataset;
  if (!ds) return `<p class="muted">The run's dataset (${esc(d.run.datasetName ?? 'unknown')}) is no longer in the library.</p>`;
  const facts = kvTable([
    ['Dataset', `${ds.name} (id ${ds.id}, ${ds.source})`],
    ['Images', `${ds.images} (train ${ds.splits.train}, validation ${ds.splits.val}, test ${ds.splits.test}${ds.splits.unassigned ? `, unassigned ${ds.splits.unassigned}` : ''})`],
    ['Split', `seed ${ds.seed}, ratios ${ds.ratios.train} / ${ds.ratios.val} / ${ds.ratios.test}${ds.groups ? `, ${ds.groups} slide/patient groups kept within one split` : ''}`],
    ['Images left out', d.run.skipped.length ? `${d.run.skipped.length} (unreadable)` : 'none'],
  ]);
  const classes = table(
    [
      { head: 'Class', cell: (c) => `${swatch(c.color)}${esc(c.label)}`, html: true },
      { head: 'Train', cell: (c) => c.train, num: true },
      { head: 'Validation', cell: (c) => c.val, num: true },
      { head: 'Test', cell: (c) => c.test, num: true },
      { head: 'Total', cell: (c) => c.total, num: true },
    ],
    ds.classes,
    { keep: true },
  );
  return facts + classes;
}

function curveChart(d: RunData, metric: 'loss' | 'accuracy'): string {
  const series: Series[] = [];
  const train = d.curves[`train_${metric}`];
  const val = d.curves[`val_${metric}`];
  if (train) series.push({ name: `train ${metric}`, color: rgbCss(classColor(0)), points: train.map((p) => ({ x: p.epoch, y: p.value })) });
  if (val) series.push({ name: `validation ${metric}`, color: rgbCss(classColor(1)), dashed: true, points: val.map((p) => ({ x: p.epoch, y: p.value })) });
  return lineChart(series, { xLabel: 'epoch', yLabel: metric, width: 360, height: 170, ...(metric === 'accuracy' ? { yMin: 0, yMax: 1 } : { yMin: 0 }) });
}

const SPLIT_NAME = { val: 'validation', test: 'test' } as const;

/** One-vs-rest ROC per class, and the reliability diagram (mean confidence against accuracy per bin). */
function rocAndCalibration(e: EvalReport, split: 'val' | 'test'): string {
  const roc: Series[] = [
    { name: 'chance', color: '#9e9e9e', dashed: true, points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
    ...e.labels.flatMap((l, i) => {
      const c = e.curves.roc[l];
      return c ? [{ name: l, color: rgbCss(classColor(i)), points: c.fpr.map((x, j) => ({ x, y: c.tpr[j]! })) }] : [];
    }),
  ];
  const bins = e.curves.reliability.filter((b) => b.count > 0);
  const reliability: Series[] = [
    { name: 'perfect calibration', color: '#9e9e9e', dashed: true, points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
    { name: 'observed accuracy', color: rgbCss(classColor(0)), points: bins.map((b) => ({ x: b.confidence, y: b.accuracy })) },
  ];
  return `<div class="keep"><div class="row">
<figure>${lineChart(roc, { xLabel: 'false positive rate', yLabel: 'true positive rate', width: 360, height: 170, yMin: 0, yMax: 1 })}<figcaption>ROC on the ${SPLIT_NAME[split]} split, each class against the rest.</figcaption></figure>
<figure>${lineChart(reliability, { xLabel: 'confidence', yLabel: 'accuracy', width: 360, height: 170, yMin: 0, yMax: 1 })}<figcaption>Reliability on the ${SPLIT_NAME[split]} split: ECE ${fixed(e.ece)}.</figcaption></figure>
</div></div>`;
}

function splitEvaluation(e: EvalReport, split: 'val' | 'test'): string {
  const name = SPLIT_NAME[split];
  const ci = (v: [number, number] | null) => (v ? ` (95% CI ${pct(v[0])}–${pct(v[1])})` : '');
  const overall = kvTable([
    ['Images', e.n],
    ['Accuracy', `${pct(e.accuracy)}${ci(e.ci.accuracy)}`],
    ['Balanced accuracy', `${pct(e.balancedAccuracy)}${ci(e.ci.balancedAccuracy)}`],
    ['Macro F1', fixed(e.macroF1)],
    ['ROC AUC (macro)', fixed(e.auc)],
    ['Log loss', fixed(e.logLoss)],
    ['Calibration error (ECE)', fixed(e.ece)],
  ]);
  const perClass = table(
    [
      { head: 'Class', cell: (l: string) => l },
      { head: 'Precision', cell: (l) => fixed(e.perClass[l]?.precision), num: true },
      { head: 'Recall', cell: (l) => fixed(e.perClass[l]?.recall), num: true },
      { head: 'F1', cell: (l) => fixed(e.perClass[l]?.f1), num: true },
      { head: 'AUC', cell: (l) => fixed(e.perClass[l]?.auc), num: true },
      { head: 'Avg. precision', cell: (l) => fixed(e.perClass[l]?.averagePrecision), num: true },
      { head: 'Support', cell: (l) => e.perClass[l]?.support ?? null, num: true },
    ],
    e.labels,
    { keep: true },
  );
  return `<h3>Evaluation of the best checkpoint on the ${name} split</h3>${overall}
<h3>Per-class metrics (${name})</h3>${perClass}
<figure class="keep"><h3>Confusion matrix (${name})</h3>${confusionMatrix(e.confusion.labels, e.confusion.matrix)}<figcaption>Counts of ${name} images by true class (rows) and predicted class (columns).</figcaption></figure>
${rocAndCalibration(e, split)}`;
}

function evaluationSection(d: RunData): string {
  if (!d.evaluations.length) return `<p class="muted">No final evaluation was recorded (the run ${esc(d.run.status)}).</p>`;
  return d.evaluations.map(({ split, report }) => splitEvaluation(report, split)).join('\n');
}

function runSection(d: RunData, index: number): string {
  const r = d.run;
  const facts = kvTable([
    ['Run', `${runName(r)} (id ${r.id})`],
    ['Status', `${r.status}${r.error ? `: ${r.error}` : ''}`],
    ['Epochs', `${r.epochsCompleted} of ${r.epochs}${r.final?.stoppedEarly ? ', stopped early' : ''}`],
    ['Best epoch', r.bestEpoch === null ? null : `${r.bestEpoch} (${r.monitor} = ${fixed(r.bestMetric, 4) ?? '–'})`],
    ['Training time', `${duration(r.seconds)}${r.final?.imagesPerSecond ? `, ${r.final.imagesPerSecond.toFixed(1)} images/s` : ''}`],
    ['Backend', r.backend],
    ['Classes', r.labels.join(', ')],
    ['Started / finished', `${r.startedAt ? formatDate(new Date(r.startedAt)) : '–'} / ${r.finishedAt ? formatDate(new Date(r.finishedAt)) : '–'}`],
  ]);
  return `<section class="major" id="run-${r.id}"><h2>${index + 1}. ${esc(runName(r))}</h2>${facts}
<h3>Dataset</h3>${datasetSection(d)}
<h3>Hyper-parameters</h3>${hyperParameters(r.config, r.arch)}
<div class="keep"><h3>Training curves</h3><div class="row"><figure>${curveChart(d, 'loss')}<figcaption>Loss per epoch.</figcaption></figure><figure>${curveChart(d, 'accuracy')}<figcaption>Accuracy per epoch.</figcaption></figure></div></div>
${evaluationSection(d)}</section>`;
}

/** "validation / test" in one cell. */
function bySplit(d: RunData, f: (e: EvalReport) => string | null): string {
  const of = (split: 'val' | 'test') => {
    const e = d.evaluations.find((x) => x.split === split)?.report;
    return (e ? f(e) : null) ?? '–';
  };
  return `${of('val')} / ${of('test')}`;
}

function comparisonSection(data: RunReportData): string {
  const color = (i: number) => rgbCss(classColor(i));
  const rows = data.runs.map((d, i) => ({ d, i }));
  const compare = table(
    [
      { head: 'Run', cell: ({ d, i }) => `<span style="white-space:nowrap">${swatch(color(i))}${esc(runName(d.run))}</span>`, html: true },
      { head: 'Architecture', cell: ({ d }) => `${d.run.arch}, ${d.run.mode}` },
      { head: 'Accuracy', cell: ({ d }) => bySplit(d, (e) => pct(e.accuracy)), num: true },
      { head: 'Bal. accuracy', cell: ({ d }) => bySplit(d, (e) => pct(e.balancedAccuracy)), num: true },
      { head: 'Macro F1', cell: ({ d }) => bySplit(d, (e) => fixed(e.macroF1)), num: true },
      { head: 'AUC', cell: ({ d }) => bySplit(d, (e) => fixed(e.auc)), num: true },
      { head: 'Log loss', cell: ({ d }) => bySplit(d, (e) => fixed(e.logLoss)), num: true },
      { head: 'ECE', cell: ({ d }) => bySplit(d, (e) => fixed(e.ece)), num: true },
      { head: 'Epochs', cell: ({ d }) => d.run.epochsCompleted, num: true },
      { head: 'Time', cell: ({ d }) => duration(d.run.seconds), num: true },
    ],
    rows,
    { keep: true },
  );
  const series = (key: string): Series[] =>
    data.runs.map((d, i) => ({ name: runName(d.run), color: color(i), points: (d.curves[key] ?? []).map((p) => ({ x: p.epoch, y: p.value })) }));
  return `<section class="keep" id="comparison"><h2>Comparison</h2>
<p class="muted">Final metrics of each run's best checkpoint on its validation / test split (– where a run has no such split).</p>${compare}
<div class="keep"><div class="row">
<figure>${lineChart(series('val_loss'), { xLabel: 'epoch', yLabel: 'validation loss', width: 360, height: 170, yMin: 0 })}<figcaption>Validation loss per epoch.</figcaption></figure>
<figure>${lineChart(series('val_accuracy'), { xLabel: 'epoch', yLabel: 'validation accuracy', width: 360, height: 170, yMin: 0, yMax: 1 })}<figcaption>Validation accuracy per epoch.</figcaption></figure>
</div></div></section>`;
}

export function runReportHtml(data: RunReportData, meta: ReportMeta): string {
  const overview = table(
    [
      { head: 'Run', cell: (d: RunData) => runName(d.run) },
      { head: 'Id', cell: (d) => d.run.id, num: true },
      { head: 'Dataset', cell: (d) => d.run.datasetName },
      { head: 'Architecture', cell: (d) => `${d.run.arch}, ${d.run.mode}` },
      { head: 'Status', cell: (d) => d.run.status },
      { head: 'Accuracy (val / test)', cell: (d) => bySplit(d, (e) => pct(e.accuracy)), num: true },
    ],
    data.runs,
    { keep: true },
  );
  const body = `<section id="overview"><h2>Overview</h2>${overview}</section>
${notesSection(meta.notes)}
${data.runs.length > 1 ? comparisonSection(data) : ''}
${data.runs.map(runSection).join('\n')}`;
  const subtitle = data.runs.length === 1 ? `${runName(data.runs[0]!.run)} · ${data.runs[0]!.run.arch}` : `${data.runs.length} runs: ${data.runs.map((d) => runName(d.run)).join(', ')}`;
  return page({ title: meta.title, subtitle, generatedAt: meta.generatedAt, version: meta.version, body });
}
