/** Messages between a launching process and the cross-validation worker (a child process with IPC). */
import type { GroupProgress } from '../../../shared/contract/run-groups.js';
import type { FineTuneCvRequest } from './fine-tune-cv-run.js';
import type { HeadCvRequest } from './head-cv-run.js';

/** What the worker is started with, as its one command-line argument (JSON). */
export interface CvJob {
  /** The group startHeadCvGroup or startFineTuneCvGroup wrote (running). */
  groupId: number;
  /** The data home (database, caches, runs). */
  home: string;
  /** What to run; none with `resume`: the group's stored request. */
  request?: ({ mode: 'head' } & HeadCvRequest) | FineTuneCvRequest;
  /** Resume the group (written running again): keep its finished folds, continue or start the rest. */
  resume?: boolean;
  /** onnxruntime providers (the engine.provider setting's choice, made by the parent) of the head sweep's embeddings or a fine-tune's frozen part; default cpu. */
  executionProviders?: string[];
  /** Why the providers are not the pin (fine-tuning's backend line says it). */
  providerNote?: string;
}

export type CvWorkerMessage = { type: 'progress'; progress: Omit<GroupProgress, 'groupId'> } | { type: 'finished' } | { type: 'error'; message: string; cancelled: boolean };

export type CvParentMessage = { type: 'cancel' };
