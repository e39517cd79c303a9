/**
 * Worker-thread entry for slide inference and explanations. Started by the main thread in the
 * 'infer' role (checkpoint, engine, tiling, inference) or the 'explain' role, and by an 'infer'
 * worker in the 'read' role (tile reading and preprocessing); see
 * src/main/analysis/worker-protocol.ts. Each role imports only what it uses, so a tile reader
 * starts without loading onnxruntime or TensorFlow.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerJob } from '../analysis/worker-protocol.js';

const job = workerData as WorkerJob;
const port = parentPort;
if (!port) throw new Error('slide-infer-worker must run as a worker thread');
if (job.role === 'read') void import('../analysis/tile-reader.js').then((m) => m.runTileReader(job, port));
else if (job.role === 'explain') void import('../analysis/explain-worker.js').then((m) => m.runExplainJob(job, port));
else void import('../analysis/infer-loop.js').then((m) => m.runInference(job, port));
