/**
 * Our kernels for the tfjs wasm backend, where its own are missing or slow.
 *
 * The wasm backend multiplies matrices fast (XNNPACK, ~15-30 GFLOP/s with SIMD) only when the
 * product is a single plain [M,K] x [K,N]; with a transposed operand or a batch (attention's
 * q.k^T, every matmul gradient) it falls back to a naive loop at ~1 GFLOP/s. It also has no
 * Conv2DBackpropFilter (so a ResNet cannot train) and no UnsortedSegmentSum (gather's gradient).
 *
 * - BatchMatMul: transposed operands are transposed physically with the backend's own Transpose
 *   kernel, then every batch entry runs the XNNPACK path on views into the operands' memory
 *   (tensor ids registered on the C side at an offset, no copy). A broadcast right operand folds
 *   the batch into the rows: one big product.
 * - Conv2DBackpropFilter: dW = im2col(x)^T . dy, im2col built in chunks of images.
 * - UnsortedSegmentSum: a plain loop.
 *
 * Kernels are registered before the backend initialises, so their setup functions run with it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of BackendWasm (and its Emscripten module) these kernels use. */
interface WasmBackend {
  wasm: {
    HEAPF32: Float32Array;
    HEAP32: Int32Array;
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

const CPP_FLOAT32 = 0; // CppDType.float32 in tfjs-backend-wasm

/**
 * XNNPACK streams the whole left operand once per column panel of the right one, so a left
 * operand larger than the cache makes a matmul memory-bound (ViT-B's MLP with batch 4 ran at
 * half the speed of batch 1). Row blocks of about this size keep it cached; measured on ViT-B
 * shapes, 2 MB gave ~20 GFLOP/s for batch 1 and 8 alike (0.5 MB and 128 kB were slower).
 */
const ROW_BLOCK_BYTES = 2 * 1024 * 1024;

let wasmBatchMatMul: (...args: unknown[]) => void;
let wasmTranspose: (...args: unknown[]) => void;

function setup(backend: object): void {
  const b = backend as WasmBackend;
  // Same signatures as tfjs-backend-wasm's own kernels/BatchMatMul.ts and kernels/Transpose.ts.
  wasmBatchMatMul = b.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
  wasmTranspose = b.wasm.cwrap('Transpose', null, ['number', 'array', 'number', 'number', 'number', 'array', 'number']);
}

const bytesOf = (ints: number[]): Uint8Array => new Uint8Array(new Int32Array(ints).buffer);

/** A C-side tensor id for `size` floats at byte `offset`, unknown to the JS side; free with unregister(). */
function view(b: WasmBackend, offset: number, size: number): number {
  const id = b.dataIdNextNumber++;
  b.wasm.tfjs.registerTensor(id, size, offset);
  return id;
}

function unregister(b: WasmBackend, ...ids: number[]): void {
  for (const id of ids) b.wasm.tfjs.disposeData(id);
}

/** out[M,N] = a[M,K] . b[K,N] through XNNPACK; operands by C-side id. */
function xnnMatMul(aId: number, m: number, k: number, bId: number, n: number, outId: number): void {
  wasmBatchMatMul(aId, bytesOf([1, m, k]), 3, bId, bytesOf([1, k, n]), 3, false, false, outId);
}

/** [batch, r, c] -> new [batch, c, r] tensor (caller disposes). */
function transposeLast2(b: WasmBackend, x: TensorInfo, batch: number, r: number, c: number): TensorInfo {
  const out = b.makeOutput([batch, c, r], 'float32');
  const xId = b.dataIdMap.get(x.dataId).id;
  const outId = b.dataIdMap.get(out.dataId).id;
  if (batch === 1) wasmTranspose(xId, bytesOf([r, c]), 2, CPP_FLOAT32, outId, bytesOf([1, 0]), 2);
  else wasmTranspose(xId, bytesOf([batch, r, c]), 3, CPP_FLOAT32, outId, bytesOf([0, 2, 1]), 3);
  return out;
}

/** For each output batch entry, the batch entry of a and of b it reads (numpy broadcasting of the outer dims). */
function broadcastIndices(outerA: number[], outerB: number[]): { outer: number[]; ia: Int32Array; ib: Int32Array } {
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const total = tf.util.sizeFromShape(outer);
  const ia = new Int32Array(total);
  const ib = new Int32Array(total);
  const rank = outer.length;
  const pa = [...Array(rank - outerA.length).fill(1), ...outerA];
  const pb = [...Array(rank - outerB.length).fill(1), ...outerB];
  for (let i = 0; i < total; i++) {
    let rem = i;
    let a = 0;
    let b = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const coord = rem % outer[d];
      rem = Math.floor(rem / outer[d]);
      a += (pa[d] === 1 ? 0 : coord) * sa;
      b += (pb[d] === 1 ? 0 : coord) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    ia[i] = a;
    ib[i] = b;
  }
  return { outer, ia, ib };
}

/**
 * a [bA, M, K] (or [bA, K, M] transposed) times b [bB, K, N] (or [bB, N, K]); output entry i
 * multiplies a[ia[i]] by b[ib[i]]. Returns a new [ia.length, M, N] tensor.
 */
function batchedProduct(b: WasmBackend, a: TensorInfo, bT: TensorInfo, dims: { bA: number; bB: number; m: number; k: number; n: number }, ia: Int32Array, ib: Int32Array, transposeA: boolean, transposeB: boolean): TensorInfo {
  const { bA, bB, m, k, n } = dims;
  const batch = ia.length;
  const aPlain = transposeA ? transposeLast2(b, a, bA, k, m) : a;
  const bPlain = transposeB ? transposeLast2(b, bT, bB, n, k) : bT;
  const out = b.makeOutput([batch, m, n], 'float32');
  const aInfo = b.dataIdMap.get(aPlain.dataId);
  const bInfo = b.dataIdMap.get(bPlain.dataId);
  const outInfo = b.dataIdMap.get(out.dataId);
  if (bB === 1 && bA === batch) {
    // One right operand for every batch entry: stack the rows, then multiply in row blocks
    // small enough for the cache (see ROW_BLOCK_BYTES). Using b's own id lets XNNPACK reuse its
    // packed copy of b (a weight) across blocks and calls.
    const rows = bA * m;
    const block = Math.max(8, Math.floor(ROW_BLOCK_BYTES / (4 * k)));
    for (let r0 = 0; r0 < rows; r0 += block) {
      const r = Math.min(block, rows - r0);
      const aId = view(b, aInfo.memoryOffset + r0 * k * 4, r * k);
      const outId = view(b, outInfo.memoryOffset + r0 * n * 4, r * n);
      xnnMatMul(aId, r, k, bInfo.id, n, outId);
      unregister(b, aId, outId);
    }
  } else {
    for (let i = 0; i < batch; i++) {
      const aId = view(b, aInfo.memoryOffset + ia[i] * m * k * 4, m * k);
      const bId = view(b, bInfo.memoryOffset + ib[i] * k * n * 4, k * n);
      const outId = view(b, outInfo.memoryOffset + i * m * n * 4, m * n);
      xnnMatMul(aId, m, k, bId, n, outId);
      unregister(b, aId, bId, outId);
    }
  }
  if (aPlain !== a) b.disposeData(aPlain.dataId);
  if (bPlain !== bT) b.disposeData(bPlain.dataId);
  return out;
}

function batchMatMul(args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: object; attrs: { transposeA: boolean; transposeB: boolean } }): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { a, b } = args.inputs;
  const { transposeA, transposeB } = args.attrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error('BatchMatMul: only float32 is supported on wasm');
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const { outer, ia, ib } = broadcastIndices(outerA, outerB);
  const out = batchedProduct(backend, a, b, { bA: tf.util.sizeFromShape(outerA), bB: tf.util.sizeFromShape(outerB), m, k, n }, ia, ib, transposeA, transposeB);
  return { ...out, shape: [...outer, m, n] };
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter
// ---------------------------------------------------------------------------------------------
/** Rows of im2col per chunk: bounds the temporary buffer (~64 MB of floats at most). */
const IM2COL_MAX_FLOATS = 16 * 1024 * 1024;

function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: object;
  attrs: { strides: number | [number, number]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
}): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  if (dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter: only NHWC is supported on wasm');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top: pt, left: pl } = info.padInfo;
  const cols = kh * kw * inChannels;
  const rowsPerImage = outHeight * outWidth;
  const dw = backend.makeOutput([kh, kw, inChannels, outChannels], 'float32');
  const dwInfo = backend.dataIdMap.get(dw.dataId);
  backend.wasm.HEAPF32.fill(0, dwInfo.memoryOffset / 4, dwInfo.memoryOffset / 4 + cols * outChannels);
  const xOff = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  const dyOff = backend.dataIdMap.get(dy.dataId).memoryOffset / 4;

  const pointwise = kh === 1 && kw === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0;
  const imagesPerChunk = Math.max(1, Math.floor(IM2COL_MAX_FLOATS / (rowsPerImage * cols)));
  for (let b0 = 0; b0 < batchSize; b0 += imagesPerChunk) {
    const nb = Math.min(imagesPerChunk, batchSize - b0);
    const rows = nb * rowsPerImage;
    let patches: TensorInfo;
    let patchesOff: number;
    if (pointwise) {
      // im2col of a 1x1 stride-1 conv is x itself
      patches = backend.makeOutput([rows, cols], 'float32', (xOff + b0 * rowsPerImage * cols) * 4);
      patchesOff = xOff + b0 * rowsPerImage * cols;
    } else {
      patches = backend.makeOutput([rows, cols], 'float32');
      patchesOff = backend.dataIdMap.get(patches.dataId).memoryOffset / 4;
      const heap = backend.wasm.HEAPF32; // read after the allocation: the heap may have grown
      for (let bi = 0; bi < nb; bi++) {
        const xImg = xOff + (b0 + bi) * inHeight * inWidth * inChannels;
        for (let oy = 0; oy < outHeight; oy++) {
          for (let ox = 0; ox < outWidth; ox++) {
            let dst = patchesOff + ((bi * outHeight + oy) * outWidth + ox) * cols;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - pt + ky;
              for (let kx = 0; kx < kw; kx++, dst += inChannels) {
                const ix = ox * sw - pl + kx;
                if (iy < 0 || iy >= inHeight || ix < 0 || ix >= inWidth) heap.fill(0, dst, dst + inChannels);
                else {
                  const src = xImg + (iy * inWidth + ix) * inChannels;
                  if (inChannels >= 16) heap.copyWithin(dst, src, src + inChannels);
                  else for (let c = 0; c < inChannels; c++) heap[dst + c] = heap[src + c];
                }
              }
            }
          }
        }
      }
    }
    const dyChunk = backend.makeOutput([rows, outChannels], 'float32', (dyOff + b0 * rowsPerImage * outChannels) * 4);
    // patches^T [cols, rows] . dy [rows, outC]
    const one = Int32Array.of(0);
    const part = batchedProduct(backend, patches, dyChunk, { bA: 1, bB: 1, m: cols, k: rows, n: outChannels }, one, one, true, false);
    const heap = backend.wasm.HEAPF32;
    const partOff = backend.dataIdMap.get(part.dataId).memoryOffset / 4;
    const dwOff = dwInfo.memoryOffset / 4;
    for (let i = 0; i < cols * outChannels; i++) heap[dwOff + i] += heap[partOff + i];
    backend.disposeData(part.dataId);
    // Views (made with an offset) must not be freed: drop only their registration.
    unregister(backend, backend.dataIdMap.get(dyChunk.dataId).id);
    forgetView(backend, dyChunk);
    if (pointwise) {
      unregister(backend, backend.dataIdMap.get(patches.dataId).id);
      forgetView(backend, patches);
    } else backend.disposeData(patches.dataId);
  }
  return dw;
}

/** Removes a view made by makeOutput(shape, dtype, offset) from the JS-side map without freeing memory it does not own. */
function forgetView(backend: WasmBackend, t: TensorInfo): void {
  (backend.dataIdMap as unknown as { delete(k: object): void }).delete(t.dataId);
}

// ---------------------------------------------------------------------------------------------
// UnsortedSegmentSum
// ---------------------------------------------------------------------------------------------
function unsortedSegmentSum(args: { inputs: { x: TensorInfo; segmentIds: TensorInfo }; backend: object; attrs: { numSegments: number } }): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, segmentIds } = args.inputs;
  const { numSegments } = args.attrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: dtype ${x.dtype} is not supported on wasm`);
  const nIds = tf.util.sizeFromShape(segmentIds.shape);
  const inner = tf.util.sizeFromShape(x.shape) / nIds;
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const heapOf = (t: TensorInfo): Float32Array | Int32Array => (t.dtype === 'float32' ? backend.wasm.HEAPF32 : backend.wasm.HEAP32);
  const xs = heapOf(x);
  const ids = backend.wasm.HEAP32;
  const xOff = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  const idOff = backend.dataIdMap.get(segmentIds.dataId).memoryOffset / 4;
  const outOff = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
  xs.fill(0, outOff, outOff + numSegments * inner);
  for (let i = 0; i < nIds; i++) {
    const s = ids[idOff + i];
    if (s < 0 || s >= numSegments) continue; // dropped, as TensorFlow does for out-of-range ids
    for (let j = 0; j < inner; j++) xs[outOff + s * inner + j] += xs[xOff + i * inner + j];
  }
  return out;
}

const KERNELS: KernelConfig[] = [
  { kernelName: tf.BatchMatMul, backendName: 'wasm', setupFunc: setup, kernelFunc: batchMatMul as unknown as tf.KernelFunc },
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc },
  { kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc },
];

/** Names of the kernels replaced or added. Call after importing tfjs-backend-wasm, before tf.setBackend('wasm'). */
export function registerWasmKernels(): string[] {
  for (const k of KERNELS) {
    if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  return KERNELS.map((k) => k.kernelName);
}
