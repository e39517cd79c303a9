/**
 * The main-thread side of an explanation: start the worker in its explain role and wait for its
 * one message. Kept apart from the worker side so the main process never loads TensorFlow.js.
 */
import type { ExplainResult } from '../../shared/contract/analysis.js';
import { spawnSlideInferWorker } from '../workers/entry.js';
import { errorFromWire, type ExplainJob, type ExplainMessage } from './worker-protocol.js';

export function explainInWorker(job: Omit<ExplainJob, 'role'>): Promise<ExplainResult> {
  const worker = spawnSlideInferWorker({ ...job, role: 'explain' } satisfies ExplainJob);
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: ExplainMessage) => {
      settled = true;
      if (m.type === 'result') resolve(m.result);
      else reject(errorFromWire(m));
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the explain worker stopped unexpectedly (exit code ${code})`));
    });
  });
}
