/** The main-thread side of a UMAP layout: start the worker, relay progress, terminate on abort. */
import { DomainError } from '../errors.js';
import { spawnWorkerThread } from '../workers/entry.js';
import type { UmapJob, UmapMessage } from './umap-worker-protocol.js';

export function umapInWorker(job: UmapJob, hooks: { signal?: AbortSignal; onProgress?: (epoch: number, epochs: number) => void } = {}): Promise<Float32Array> {
  hooks.signal?.throwIfAborted();
  const worker = spawnWorkerThread('umap-worker', job);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = (): void => {
      settle(() => reject(hooks.signal!.reason));
      void worker.terminate();
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: UmapMessage) => {
      if (m.type === 'progress') hooks.onProgress?.(m.epoch, m.epochs);
      else if (m.type === 'result') settle(() => resolve(m.coords));
      else settle(() => reject(new DomainError(m.kind, m.message)));
    });
    worker.on('error', (e: Error & { code?: string }) =>
      settle(() => reject(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new DomainError('too-large', 'the map took more memory than this machine gave it; map fewer images (--max-points)') : e)),
    );
    worker.on('exit', (code) => settle(() => reject(new DomainError('internal', `the map's layout stopped unexpectedly (exit code ${code})`))));
  });
}
