/**
 * Where a job's onnxruntime session runs, decided here for every path: in the caller's thread
 * (inline) or in a worker thread of its own (session-host.ts). The worker costs, once per job, a
 * thread start and onnxruntime's start in that thread; what it buys is the decoding of each batch
 * after the first overlapping the forward pass of the one before (session-protocol.ts). So a
 * short job is faster inline and a long one in a worker, and the job's size decides.
 */

/**
 * Images from which a job's session goes to a worker: the crossover measured on this 2-core
 * machine (`npm run bench -- session-crossover`, and in-process runs of ResNet-50 over lung
 * patches, batches of 8). The worker's cost is mostly fixed: the first session opened in a fresh
 * worker thread takes about 0.5 s CPU more than the same session inline (bundle; about 0.6 s
 * more from source, where the thread also loads tsx). The saving is at most the decoding of each
 * image after the first batch, about 13 ms CPU per 224 px JPEG patch, less when onnxruntime keeps
 * both cores busy. Break-even is then some 0.5 s / 10 ms + one batch = about 50-60 images, and
 * measured end to end (worker time against inline, in-process, under load): 0.57x at 8 images,
 * 0.73x at 16, 0.85x at 32, 1.0x at 64, faster beyond. Below 64 the loss of running inline is
 * small either way; above it the worker's gain grows with the job (15% on whole slides).
 */
export const WORKER_FROM_IMAGES = 64;

export type SessionPlacement = 'worker' | 'inline';

/**
 * The placement for a job of `images` images. undefined: a size the caller cannot tell, taken as
 * long (a worker, as every path had before sizes were passed). TESSELLA_ONNX_WORKER=1 or =0 forces
 * a worker or inline whatever the size (to compare the two in benchmarks).
 */
export function sessionPlacement(images: number | undefined, env: NodeJS.ProcessEnv = process.env): SessionPlacement {
  const forced = env['TESSELLA_ONNX_WORKER'];
  if (forced === '1') return 'worker';
  if (forced === '0') return 'inline';
  if (images === undefined) return 'worker';
  return images >= WORKER_FROM_IMAGES ? 'worker' : 'inline';
}

/** sessionPlacement() as OnnxEngineOptions.worker wants it. */
export function sessionInWorker(images: number | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return sessionPlacement(images, env) === 'worker';
}
