/**
 * Where a job's onnxruntime session runs, decided here for every path: in the caller's thread
 * (inline) or in a worker thread of its own (session-host.ts). The worker costs, once per job, a
 * thread start and onnxruntime's start in that thread; what it buys is the decoding of each batch
 * after the first overlapping the forward pass of the one before (session-protocol.ts). So a
 * short job is faster inline and a long one in a worker, and the job's size decides.
 */

/**
 * Images from which a job's session goes to a worker, from measurements on this 2-core machine
 * (ResNet-50 over 224 px lung patches, batches of 8; `npm run bench -- session-crossover` for the
 * CLI end to end). The worker's cost is fixed per job: the first session in any thread pays
 * onnxruntime's start there, so a cold CLI process pays it inline too and the worker adds only
 * about 0.15 s CPU (0.1 s more from source, where the thread also loads tsx), while a warm app
 * process, whose own thread started onnxruntime long ago, pays about 0.5 s for the new thread.
 * The saving is the decoding of each image after the first batch, about 12 ms CPU per patch, and
 * only while a core is free for it: break-even by that reckoning at 20-35 images for the CLI and
 * about 50 in the app. End to end: a cold `tessella predict` over 32 patches on a quiet machine
 * was still 3-14% slower in a worker; in-process under heavy load (no core free: the worker's
 * worst case) it ran at 0.57x inline at 8 images, 0.73x at 16, 0.85x at 32, even (1.0x) at 48
 * and 64; long jobs on a quiet machine gain 15%. Hence 48 (six predict batches, three embedding
 * batches): past the crossovers measured, and a job just below it loses little inline.
 */
export const WORKER_FROM_IMAGES = 48;

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
