/**
 * The session worker's loop (entry: workers/onnx-session-worker.ts): one onnxruntime session,
 * runs served in arrival order, so a run queued while another computes starts the moment it ends.
 */
import type { MessagePort, Transferable } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { runChunks } from './chunked-run.js';
import type { FromSessionWorker, ToSessionWorker } from './session-protocol.js';

/** The buffer of `a` when `a` is all of it (transferable without taking anything else along). */
function ownBuffer(a: Float32Array): ArrayBuffer | null {
  return a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a.buffer : null;
}

export function serveSession(port: MessagePort): void {
  let session: ort.InferenceSession | null = null;
  let queue = Promise.resolve();
  const reply = (m: FromSessionWorker, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const handle = async (m: Exclude<ToSessionWorker, { type: 'exit' }>): Promise<void> => {
    if (m.type === 'release') {
      await session?.release();
      session = null;
      port.close(); // lets the thread end
      return;
    }
    try {
      if (m.type === 'open') {
        await session?.release();
        session = null;
        session = await ort.InferenceSession.create(m.path, m.options);
        return reply({ type: 'opened', id: m.id });
      }
      if (!session) throw new Error('no session is open');
      const chunks = await runChunks(session, m);
      // Output tensors own their buffers; a view into a larger one is copied out instead.
      for (const c of chunks) for (const k of Object.keys(c.out)) if (!ownBuffer(c.out[k]!)) c.out[k] = c.out[k]!.slice();
      reply({ type: 'ran', id: m.id, chunks }, chunks.flatMap((c) => Object.values(c.out).map((a) => ownBuffer(a)!)));
    } catch (e) {
      reply({ type: 'failed', id: m.id, message: (e as Error).message });
    }
  };
  port.on('message', (m: ToSessionWorker) => {
    // not queued: a run in progress yields between its chunks, and the exit comes then
    if (m.type === 'exit') return process.exit(m.code);
    queue = queue.then(() => handle(m));
  });
}
