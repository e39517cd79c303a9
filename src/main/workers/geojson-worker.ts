/**
 * Worker-thread entry for a GeoJSON import: reads, parses and validates the file off the main
 * thread, which a file of a million vertices would otherwise hold for seconds (and, if it runs
 * out of memory, only this thread dies). See src/main/annotations/parse-in-worker.ts.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import type { GeoJsonJob, GeoJsonMessage } from '../annotations/geojson-worker-protocol.js';
import { prepareFeatures } from '../annotations/import-rows.js';
import { toDomainError } from '../errors.js';

const job = workerData as GeoJsonJob;
const port = parentPort;
if (!port) throw new Error('geojson-worker must run as a worker thread');

async function run(): Promise<GeoJsonMessage> {
  try {
    const text = 'text' in job ? job.text : await readFile(job.path, 'utf8');
    return { type: 'result', features: prepareFeatures(text) };
  } catch (e) {
    const d = toDomainError(e);
    return { type: 'error', kind: d.kind, message: d.message, code: d.code };
  }
}

void run().then((m) => port.postMessage(m));
