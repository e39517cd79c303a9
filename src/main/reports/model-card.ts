/**
 * What a report says about the model behind its numbers: the checkpoint (architecture, content
 * hash, classes), the Tessella training run it came from with that run's validation metrics (or
 * that it was not trained here), and the engine slide analyses run on.
 */
import { availableParallelism } from 'node:os';
import type { EvalReport } from '../../shared/contract/training.js';
import type { Analysis } from '../../shared/contract/analysis.js';
import type { Db } from '../store/db.js';
import type { ModelRow } from '../store/analysis-repo.js';
import { RunsRepo } from '../store/runs-repo.js';

export interface ModelRun {
  id: number;
  name: string | null;
  status: string;
  arch: string;
  mode: string;
  datasetName: string | null;
  epochsCompleted: number;
  monitor: string;
  bestMetric: number | null;
  bestEpoch: number | null;
  backend: string | null;
  /** Validation metrics of the best checkpoint (test when the run had no validation split). */
  metrics: EvalReport | null;
  metricsSplit: 'val' | 'test' | null;
}

/** The model's stored row (less its bookkeeping), its training run and the engine. */
export interface ModelCard extends Omit<ModelRow, 'id' | 'filesStamp'> {
  run: ModelRun | null;
  engine: string;
}

/** The run a checkpoint came from: recorded on its model row, else a run whose best or exported folder it is, else any model row with the same weights. */
export function trainingRunOf(db: Db, model: ModelRow): number | null {
  const own = db.prepare('SELECT run_id FROM models WHERE id = ?').get(model.id) as { run_id: number | null } | undefined;
  if (own?.run_id) return own.run_id;
  const byDir = db.prepare('SELECT id FROM runs WHERE best_dir = ? OR out_dir = ? ORDER BY id DESC LIMIT 1').get(model.dir, model.dir) as { id: number } | undefined;
  if (byDir) return byDir.id;
  const byHash = db.prepare('SELECT run_id FROM models WHERE checkpoint_hash = ? AND run_id IS NOT NULL ORDER BY id DESC LIMIT 1').get(model.hash) as { run_id: number } | undefined;
  return byHash?.run_id ?? null;
}

let runtimeName: Promise<string> | undefined;

/** How one analysis behind the report ran: its recorded provider (absent before providers were recorded: cpu) and precision. */
export interface AnalysisEngineRun {
  provider?: string;
  precision: string;
  /** Why not the provider pinned, when a pin could not load. */
  providerNote?: string;
}

/**
 * Slide analyses run the checkpoint as an ONNX graph on onnxruntime: the provider(s) and
 * precision(s) the report's analyses recorded.
 */
export async function analysisEngine(runs: AnalysisEngineRun[] = []): Promise<string> {
  runtimeName ??= import('onnxruntime-node').then(
    (ort) => `ONNX Runtime ${ort.env.versions?.node ?? ort.env.versions?.common ?? ''} (onnxruntime-node)`.replace('  ', ' '),
    () => 'ONNX Runtime (onnxruntime-node)',
  );
  const distinct = (xs: string[]) => [...new Set(xs)];
  const providers = distinct(runs.map((r) => r.provider ?? 'cpu'));
  const precisions = distinct(runs.map((r) => r.precision));
  const notes = distinct(runs.flatMap((r) => (r.providerNote ? [r.providerNote] : [])));
  const provider = providers.length ? `${providers.join(' and ')} execution provider` : 'execution provider as chosen per analysis';
  const threads = providers.includes('cpu') ? `, up to ${availableParallelism()} threads on cpu` : '';
  return `${await runtimeName}, ${provider}${precisions.length ? `, ${precisions.join(' and ')}` : ''}${threads}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

export function engineRunOf(a: Analysis): AnalysisEngineRun {
  return { precision: a.params.precision, ...(a.summary?.provider ? { provider: a.summary.provider } : {}), ...(a.summary?.providerNote ? { providerNote: a.summary.providerNote } : {}) };
}

export async function modelCard(db: Db, model: ModelRow, runs: AnalysisEngineRun[] = []): Promise<ModelCard> {
  const runId = trainingRunOf(db, model);
  const r = runId ? new RunsRepo(db).get(runId) : null;
  const metrics = r?.final?.val ?? r?.final?.test ?? null;
  return {
    name: model.name,
    arch: model.arch,
    dir: model.dir,
    hash: model.hash,
    labels: model.labels,
    inputSize: model.inputSize,
    trainedMpp: model.trainedMpp,
    engine: await analysisEngine(runs),
    run: r
      ? {
          id: r.id,
          name: r.name,
          status: r.status,
          arch: r.arch,
          mode: r.mode,
          datasetName: r.datasetName,
          epochsCompleted: r.epochsCompleted,
          monitor: r.monitor,
          bestMetric: r.bestMetric,
          bestEpoch: r.bestEpoch,
          backend: r.backend,
          metrics,
          metricsSplit: r.final?.val ? 'val' : r.final?.test ? 'test' : null,
        }
      : null,
  };
}
