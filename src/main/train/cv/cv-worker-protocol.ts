/** Messages between a launching process and the cross-validation worker (a child process with IPC). */
import type { GroupProgress } from '../../../shared/contract/run-groups.js';
import type { HeadCvRequest } from './head-cv-run.js';

/** What the worker is started with, as its one command-line argument (JSON). */
export interface CvJob {
  /** The group startHeadCvGroup wrote (running). */
  groupId: number;
  /** The data home (database, caches). */
  home: string;
  request: HeadCvRequest;
  /** onnxruntime providers for the embeddings (the engine.provider setting's choice, made by the parent); default cpu. */
  executionProviders?: string[];
}

export type CvWorkerMessage = { type: 'progress'; progress: Omit<GroupProgress, 'groupId'> } | { type: 'finished' } | { type: 'error'; message: string; cancelled: boolean };

export type CvParentMessage = { type: 'cancel' };
