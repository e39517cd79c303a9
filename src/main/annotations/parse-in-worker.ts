/** The main-thread side of a GeoJSON import's parse: start the worker, wait for its one message. */
import { DomainError } from '../errors.js';
import { spawnWorkerThread } from '../workers/entry.js';
import type { GeoJsonJob, GeoJsonMessage } from './geojson-worker-protocol.js';
import type { PreparedFeature } from './import-rows.js';

export function prepareFeaturesInWorker(job: GeoJsonJob): Promise<PreparedFeature[]> {
  const worker = spawnWorkerThread('geojson-worker', job);
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: GeoJsonMessage) => {
      settled = true;
      if (m.type === 'result') resolve(m.features);
      else reject(new DomainError(m.kind, m.message, m.code));
    });
    worker.on('error', (e: Error & { code?: string }) => {
      settled = true;
      reject(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new DomainError('too-large', 'the GeoJSON took more memory to read than this machine gave it; import it in parts', 'geojson-too-large')
          : e,
      );
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new DomainError('internal', `the GeoJSON reader stopped unexpectedly (exit code ${code})`));
    });
  });
}
