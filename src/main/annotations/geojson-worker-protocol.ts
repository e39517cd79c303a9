/** Messages of the GeoJSON worker (src/main/workers/geojson-worker.ts). */
import type { ErrorKind } from '../errors.js';
import type { PreparedFeature } from './import-rows.js';

/** The worker's workerData: the text, or a file it reads itself (so the text is never copied). */
export type GeoJsonJob = { text: string } | { path: string };

/** Worker -> main thread, once. Errors travel as their kind so the caller rethrows the same DomainError. */
export type GeoJsonMessage =
  | { type: 'result'; features: PreparedFeature[] }
  | { type: 'error'; kind: ErrorKind; message: string; code: string };
