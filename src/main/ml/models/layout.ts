/**
 * Weight layout conversions between PyTorch (what checkpoints store) and what tfjs computes with.
 *
 * - Linear: PyTorch [out, in] (y = x W^T) -> [in, out] (y = x W), so inference is a plain matmul,
 *   the fast path on every tfjs backend (stock tfjs-wasm runs a transposed product ~20x slower).
 * - Conv2d: PyTorch OIHW -> tfjs HWIO.
 * Done once on the CPU in plain JS when a model is built or saved.
 */

/** [rows, cols] row-major -> [cols, rows] row-major, in 32x32 tiles so the strided writes stay in cache. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(r0 + T, rows);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) {
        const base = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = data[base + c];
      }
    }
  }
  return out;
}

/** PyTorch conv weight [O, I, H, W] -> tfjs [H, W, I, O]. */
export function oihwToHwio(data: Float32Array, [o, i, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = data[((a * i + b) * h + y) * w + x];
  return out;
}

/** tfjs conv weight [H, W, I, O] -> PyTorch [O, I, H, W] (`oihw` is the PyTorch shape). */
export function hwioToOihw(data: Float32Array, [o, i, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((a * i + b) * h + y) * w + x] = data[((y * w + x) * i + b) * o + a];
  return out;
}

export function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
