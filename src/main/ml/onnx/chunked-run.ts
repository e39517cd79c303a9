/**
 * The forward pass of an onnxruntime session over a batch in chunks, the same code in the
 * caller's thread and in the session worker.
 */
import * as ort from 'onnxruntime-node';
import type { ChunkedRun, ChunkOutput } from './session-protocol.js';

export async function runChunks(session: ort.InferenceSession, r: ChunkedRun): Promise<ChunkOutput[]> {
  const per = r.shape[0] * r.shape[1] * r.shape[2];
  const chunks: ChunkOutput[] = [];
  for (let start = 0; start < r.n; start += r.chunkSize) {
    const m = Math.min(r.chunkSize, r.n - start);
    const input = new ort.Tensor('float32', r.pixels.subarray(start * per, (start + m) * per), [m, ...r.shape]);
    const res = await session.run({ pixel_values: input }, r.outputs);
    const out: Record<string, Float32Array> = {};
    for (const name of r.outputs) out[name] = res[name]!.data as Float32Array;
    chunks.push({ m, out });
  }
  return chunks;
}
