/**
 * A run's checkpoint folders: `last/` after every epoch and `best/` when the monitored metric
 * improves. Each is a HuggingFace checkpoint (config.json, model.safetensors,
 * preprocessor_config.json) with, beside it, the optimizer moments (optimizer.safetensors), the
 * trainer's state and metric history (trainer_state.json, which also names the random streams)
 * and the stain normalisation when the run uses one.
 *
 * A folder is written aside and swapped in by renames, so a process killed at any moment leaves
 * either the old or the new checkpoint, never a mix; `recoverDir` finishes an interrupted swap.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { saveCheckpoint, type CheckpointLike } from '../ml/models/checkpoint.js';
import { readSafetensors, writeSafetensors, type TensorEntry } from '../ml/models/safetensors.js';
import type { EpochRecord } from '../store/runs-repo.js';
import type { StainParams } from '../ml/preprocess/stain.js';

export const TRAINER_STATE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

export interface TrainerState {
  version: 1;
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken (AdamW's bias-correction t). */
  optimizerSteps: number;
  bestMetric: number | null;
  bestEpoch: number | null;
  /** Epochs since the monitored metric last improved (early stopping). */
  sinceImprovement: number;
  /** Training seconds of every session so far. */
  seconds: number;
  history: EpochRecord[];
  /** How every random draw of the run is made; nothing else is needed to continue them. */
  rng: { seed: number; nextEpoch: number; scheme: string };
  labels: string[];
}

export const RNG_SCHEME = 'mulberry32(fnv1a32("<seed>:train:<stream>:<epoch>[:<position>]")), streams "order" and "augment"';

/** Completes a swap that a killed process left half done: `dir` missing but `dir.old` present. */
export async function recoverDir(dir: string): Promise<void> {
  if (!existsSync(dir) && existsSync(`${dir}.old`)) await rename(`${dir}.old`, dir);
  await rm(`${dir}.old`, { recursive: true, force: true });
}

/** Replaces `dir` by the finished folder `tmp`. */
async function swapIn(tmp: string, dir: string): Promise<void> {
  await rm(`${dir}.old`, { recursive: true, force: true });
  if (existsSync(dir)) await rename(dir, `${dir}.old`);
  await rename(tmp, dir);
  await rm(`${dir}.old`, { recursive: true, force: true });
}

export interface SaveInput {
  ckpt: CheckpointLike;
  optimizer: Map<string, TensorEntry>;
  state: TrainerState;
  stain: StainParams | null;
}

export async function writeTrainingCheckpoint(dir: string, input: SaveInput): Promise<void> {
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await saveCheckpoint({ ...input.ckpt, stain: input.stain }, tmp);
  await writeSafetensors(join(tmp, OPTIMIZER_FILE), input.optimizer, { metadata: { optimizer_steps: String(input.state.optimizerSteps) } });
  await writeFile(join(tmp, TRAINER_STATE), JSON.stringify(input.state, null, 2) + '\n');
  await swapIn(tmp, dir);
}

/** Copies a checkpoint folder over another, by the same write-aside-and-swap. */
export async function copyCheckpoint(from: string, to: string): Promise<void> {
  const tmp = `${to}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await cp(from, tmp, { recursive: true });
  await swapIn(tmp, to);
}

export async function readTrainerState(dir: string): Promise<TrainerState | null> {
  const f = join(dir, TRAINER_STATE);
  if (!existsSync(f)) return null;
  return JSON.parse(await readFile(f, 'utf8')) as TrainerState;
}

export async function readOptimizerState(dir: string): Promise<Map<string, TensorEntry>> {
  return readSafetensors(join(dir, OPTIMIZER_FILE));
}
