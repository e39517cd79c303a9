/** The model card as HTML, shared by the slide and cohort reports. */
import { esc, fixed, kvTable, pct } from './layout.js';
import type { ModelCard } from './model-card.js';

export function modelSection(m: ModelCard): string {
  const rows: [string, string | number | null | undefined][] = [
    ['Model', m.name],
    ['Architecture', m.arch],
    ['Checkpoint', m.dir],
    ['Checkpoint hash', m.hash],
    ['Classes', m.labels.join(', ')],
    ['Input size', `${m.inputSize} × ${m.inputSize} px`],
    ['Trained at', m.trainedMpp === null ? undefined : `${m.trainedMpp} µm/px`],
    ['Engine and backend', m.engine],
  ];
  let html = kvTable(rows);
  const r = m.run;
  if (!r) {
    html += `<p class="muted">Not trained in Tessella: no training run of this library produced these weights, so no validation metrics are on record.</p>`;
    return html;
  }
  html += `<h3>Training run</h3>`;
  html += kvTable([
    ['Run', `${r.name ?? `run ${r.id}`} (id ${r.id}, ${r.status})`],
    ['Dataset', r.datasetName],
    ['Architecture and mode', `${r.arch}, ${r.mode}`],
    ['Epochs', r.epochsCompleted],
    ['Best checkpoint', r.bestEpoch === null ? null : `epoch ${r.bestEpoch} by ${r.monitor} = ${fixed(r.bestMetric, 4) ?? '–'}`],
    ['Training backend', r.backend],
  ]);
  const e = r.metrics;
  if (!e) {
    html += `<p class="muted">The run recorded no final evaluation.</p>`;
    return html;
  }
  const ci = (v: [number, number] | null) => (v ? ` (95% CI ${pct(v[0])}–${pct(v[1])})` : '');
  html += `<h3>${r.metricsSplit === 'val' ? 'Validation' : 'Test'} metrics of the run (${esc(e.n)} images)</h3>`;
  html += kvTable([
    ['Accuracy', `${pct(e.accuracy)}${ci(e.ci.accuracy)}`],
    ['Balanced accuracy', `${pct(e.balancedAccuracy)}${ci(e.ci.balancedAccuracy)}`],
    ['Macro F1', `${fixed(e.macroF1)}`],
    ['ROC AUC (macro)', fixed(e.auc)],
    ['Log loss', fixed(e.logLoss)],
    ['Calibration error (ECE)', fixed(e.ece)],
  ]);
  return html;
}
