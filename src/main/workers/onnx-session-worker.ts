/** Worker-thread entry holding one onnxruntime session (src/main/ml/onnx/session-worker.ts). */
import { parentPort } from 'node:worker_threads';
import { serveSession } from '../ml/onnx/session-worker.js';

if (!parentPort) throw new Error('onnx-session-worker must run as a worker thread');
serveSession(parentPort);
