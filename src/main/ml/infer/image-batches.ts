/**
 * Image files to model-ready pixel batches, the next batch prepared while the engine runs the
 * current one: with the engine's session in a worker thread (onnxruntime-node's run blocks the
 * thread it runs on), decoding (sharp, on libuv's pool) and resizing (JS) of batch k+1 fill time
 * this thread would otherwise spend waiting.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { type ModelInput, prepareImage } from '../models/model-input.js';
import { decodeImage, modelInputSize, rescaleNormalize } from '../models/processors.js';
import { DomainError, oneLine, type ErrorKind } from '../../errors.js';
import { ImageError } from '../../slides/pixel-limit.js';

/** An image file that could not be turned into pixels; the message names the file. */
export class ImageReadError extends DomainError {
  constructor(
    readonly file: string,
    reason: string,
    kind: ErrorKind = 'corrupt',
  ) {
    super(kind, `${file}: ${reason}`);
    this.name = 'ImageReadError';
  }
}

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.webp', '.gif']);

/** Every image under `dir` (sorted by path), labelled by its top-level subfolder as in an ImageFolder tree. */
export async function listImageFolder(dir: string): Promise<{ file: string; label: string | null }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()) && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .map((file) => {
      const parts = relative(dir, file).split(sep);
      return { file, label: parts.length > 1 ? parts[0]! : null };
    });
}

async function readOne(file: string, input: ModelInput, out: Float32Array, size: { height: number; width: number }): Promise<void> {
  let img;
  try {
    img = await decodeImage(file);
  } catch (e) {
    if (e instanceof ImageError) throw new ImageReadError(file, e.reason, e.kind);
    throw new ImageReadError(file, existsSync(file) ? `not a readable image (${oneLine((e as Error).message)})` : 'no such file', existsSync(file) ? 'corrupt' : 'not-found');
  }
  const resized = prepareImage(img, input);
  if (resized.height !== size.height || resized.width !== size.width) {
    throw new ImageReadError(file, `processed to ${resized.height}x${resized.width}, the model takes ${size.height}x${size.width}`);
  }
  rescaleNormalize(resized, input.preprocessor, out);
}

/** n images as one NCHW float32 batch. Decodes run concurrently; pixels are written in file order. */
export async function readBatch(files: string[], input: ModelInput): Promise<Float32Array> {
  const size = modelInputSize(input.preprocessor);
  const per = 3 * size.height * size.width;
  const data = new Float32Array(files.length * per);
  await Promise.all(files.map((f, i) => readOne(f, input, data.subarray(i * per, (i + 1) * per), size)));
  return data;
}

/**
 * Calls `run` on consecutive batches of at most `batchSize` files, in order, with batch k+1
 * being read while `run` works on batch k. Only two batches of pixels exist at a time, whatever
 * the number of files.
 */
export async function forEachBatch(
  files: string[],
  input: ModelInput,
  batchSize: number,
  run: (pixels: Float32Array, batch: string[], start: number) => Promise<void>,
): Promise<void> {
  const starts = Array.from({ length: Math.ceil(files.length / batchSize) }, (_, k) => k * batchSize);
  const read = (start: number) => {
    const p = readBatch(files.slice(start, start + batchSize), input);
    p.catch(() => {}); // observed here, rethrown when awaited: a failure while `run` works is not "unhandled"
    return p;
  };
  let next = starts.length ? read(0) : null;
  for (let k = 0; k < starts.length; k++) {
    const pixels = await next!;
    next = k + 1 < starts.length ? read(starts[k + 1]!) : null;
    await run(pixels, files.slice(starts[k]!, starts[k]! + batchSize), starts[k]!);
  }
}
