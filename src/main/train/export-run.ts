/**
 * The one layout a run is exported in, by the app (runs.export) and by `train --out` alike: the
 * best checkpoint as a flat HuggingFace folder (config.json, model.safetensors or head.safetensors,
 * preprocessor_config.json, stain_normalization.json), which every `--model` and the model
 * registry open as it is, and beside it the run's own files in run/:
 *
 *   run/training_config.json   the resolved training configuration
 *   run/summary.json           the run as `tessella runs` / runs.get describe it, final reports included
 *   run/metrics.csv            every recorded metric (epoch,step,split,name,value,at)
 *   run/trainer_state.json     epoch history and random streams, when the trainer wrote one
 */
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunDetail, RunStatus } from '../../shared/contract/training.js';
import { csvField } from '../csv-format.js';
import { DomainError } from '../errors.js';
import { HEAD_WEIGHTS } from '../ml/head/head-folder.js';
import type { RunsRepo } from '../store/runs-repo.js';
import { OPTIMIZER_FILE, TRAINER_STATE } from './checkpoints.js';
import { STAIN_FILE } from '../ml/preprocess/stain.js';

/** The subfolder of an export holding the run's files (never read as part of the model). */
export const RUN_FILES_DIR = 'run';

/**
 * Files a checkpoint folder may hold. An export over an earlier one removes them first, so a file
 * the new model lacks (a stain normalisation, say) cannot linger and change its predictions.
 */
const MODEL_FILES = ['config.json', 'model.safetensors', 'preprocessor_config.json', STAIN_FILE, HEAD_WEIGHTS, TRAINER_STATE];

export interface ExportedRun {
  dir: string;
  /** Absolute paths of what was written: the model's files, then the run's. */
  files: string[];
  /** False when the run has no best checkpoint yet (only the run's files were written). */
  model: boolean;
}

export interface ExportRunOptions {
  /** The status to record in summary.json: the trainer exports just before it marks the run completed. */
  status?: RunStatus;
}

export async function exportRun(repo: RunsRepo, runId: number, dir: string, opts: ExportRunOptions = {}): Promise<ExportedRun> {
  const run = repo.get(runId);
  if (!run) throw new DomainError('not-found', `no training run with id ${runId}`);
  const out = resolve(dir);
  if (run.bestDir && resolve(run.bestDir) === out) throw new DomainError('invalid-input', `${out} is the run's own checkpoint folder; export to another folder`);
  await mkdir(out, { recursive: true });
  const files: string[] = [];

  const model = !!run.bestDir && existsSync(join(run.bestDir, 'config.json'));
  if (model) {
    await Promise.all(MODEL_FILES.map((f) => rm(join(out, f), { force: true })));
    const copied: string[] = [];
    await cp(run.bestDir!, out, {
      recursive: true,
      // the optimizer moments are for resuming, the trainer's state goes with the run's files
      filter: (src) => {
        if (src === run.bestDir) return true;
        if (src.endsWith(OPTIMIZER_FILE) || src.endsWith(TRAINER_STATE)) return false;
        copied.push(join(out, src.slice(run.bestDir!.length + 1)));
        return true;
      },
    });
    files.push(...copied.sort());
  }

  const runDir = join(out, RUN_FILES_DIR);
  await mkdir(runDir, { recursive: true });
  const write = async (name: string, text: string) => {
    await writeFile(join(runDir, name), text);
    files.push(join(runDir, name));
  };
  const summary: RunDetail = { ...run, ...(opts.status ? { status: opts.status } : {}) };
  await write('training_config.json', JSON.stringify(run.config, null, 2) + '\n');
  await write('summary.json', JSON.stringify(summary, null, 2) + '\n');
  const rows = repo.metrics(runId).map((m) => [m.epoch, m.step ?? '', m.split, m.name, m.value, m.at].map(csvField).join(','));
  await write('metrics.csv', ['epoch,step,split,name,value,at', ...rows].join('\n') + '\n');
  const state = run.bestDir ? join(run.bestDir, TRAINER_STATE) : null;
  if (state && existsSync(state)) {
    await copyFile(state, join(runDir, TRAINER_STATE));
    files.push(join(runDir, TRAINER_STATE));
  }
  return { dir: out, files, model };
}
