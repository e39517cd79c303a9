/**
 * Worker-thread entry for a dataset map's UMAP layout: the neighbour search and the optimisation
 * hold a thread for seconds on thousands of embeddings, which would freeze the server's other
 * calls on the main thread. Cancel = terminate. See src/main/datasets/layout-in-worker.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { umapLayout } from '../datasets/umap-layout.js';
import type { UmapJob, UmapMessage } from '../datasets/umap-worker-protocol.js';
import { toDomainError } from '../errors.js';

const job = workerData as UmapJob;
const port = parentPort;
if (!port) throw new Error('umap-worker must run as a worker thread');
const post = (m: UmapMessage): void => port.postMessage(m);

try {
  const rows = Array.from({ length: job.n }, (_, i) => job.data.subarray(i * job.dim, (i + 1) * job.dim));
  let last = 0;
  const coords = umapLayout(rows, {
    seed: job.seed,
    onEpoch: (epoch, epochs) => {
      // a message per ~2% of the work is plenty for a progress bar
      if (epoch - last >= Math.max(1, epochs / 50) || epoch === epochs) {
        last = epoch;
        post({ type: 'progress', epoch, epochs });
      }
    },
  })!;
  post({ type: 'result', coords });
} catch (e) {
  const d = toDomainError(e);
  post({ type: 'error', kind: d.kind, message: d.message });
}
