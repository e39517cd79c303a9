/** Messages between a launching process and the training worker (a child process with IPC). */
import type { RunStatus, TrainingProgress } from '../../shared/contract/training.js';

/** What the worker is started with, as its one command-line argument (JSON). */
export interface TrainJob {
  runId: number;
  /** The data home (database, runs folder, caches). */
  home: string;
  /** onnxruntime providers for the frozen part, in order (the engine.provider setting's choice; default cpu). */
  executionProviders?: string[];
  /** Why those are not what the user pinned (a pin that cannot load here), for the run's backend line. */
  providerNote?: string;
}

export type WorkerMessage =
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'finished'; status: RunStatus }
  | { type: 'error'; message: string };

export type ParentMessage = { type: 'cancel' };
