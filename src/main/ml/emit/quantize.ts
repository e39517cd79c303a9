/**
 * Weight quantisation for the int8 CPU graph: what onnxruntime's own `quantize_dynamic`
 * (per_channel=True, weight_type=QInt8) produces, done in JS so no Python step is needed.
 *
 * Weights are symmetric int8 per output channel (zero point 0): a channel's scale is its largest
 * |w| / 127, so every channel keeps its full 8-bit range however different the channels' magnitudes
 * (a per-tensor scale loses the small columns of a ViT's fc2, and a BatchNorm-folded conv's output
 * channels differ by orders of magnitude). Activations are quantised at run time, per tensor, by
 * the engine (DynamicQuantizeMatMul / DynamicQuantizeLinear).
 *
 * Symmetric weights are what keep a ResNet per-channel: onnxruntime's CPU ConvInteger (1.30)
 * takes int8 weights but only a scalar weight zero point ("Non per-tensor quantization is not
 * supported now"), so every channel shares zero point 0 and the per-channel scales are applied
 * after it, with the activation's scale, as one [1, C, 1, 1] Mul.
 */
import { DomainError } from '../../errors.js';

/** The numeric precisions an ONNX graph can be built at. fp32 is the default everywhere. */
export const PRECISIONS = ['fp32', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

export function isPrecision(s: string): s is Precision {
  return (PRECISIONS as readonly string[]).includes(s);
}

export interface QuantizedColumns {
  /** The weight in the same [in, out] row-major layout, as int8. */
  q: Int8Array;
  /** One scale per output column: w ≈ q · scale. */
  scale: Float32Array;
}

/** One symmetric scale per channel from its largest |w|; an all-zero channel keeps scale 1 (any scale represents it; 0 would divide by zero). */
function scalesOf(maxAbs: Float64Array): Float32Array {
  return Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
}

/** w / scale rounded half away from zero, within ±127. */
function quantizeValue(w: number, inv: number): number {
  const v = w * inv;
  return Math.max(-127, Math.min(127, v < 0 ? -Math.round(-v) : Math.round(v)));
}

/** Quantises an [in, out] row-major weight per output column, symmetric, round half away from zero. */
export function quantizeColumns(w: Float32Array, rows: number, cols: number): QuantizedColumns {
  if (w.length !== rows * cols) throw new Error(`quantizeColumns: ${w.length} values for [${rows}, ${cols}]`);
  const maxAbs = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[base + c]!);
      if (a > maxAbs[c]!) maxAbs[c] = a;
    }
  }
  const scale = scalesOf(maxAbs);
  const inv = Float64Array.from(scale, (s) => 1 / s);
  const q = new Int8Array(w.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) q[base + c] = quantizeValue(w[base + c]!, inv[c]!);
  }
  return { q, scale };
}

/**
 * Quantises a weight whose output channel is its first axis (a conv's [out, in, kh, kw], seen as
 * [out, in·kh·kw]) per output channel, symmetric, round half away from zero.
 */
export function quantizeRows(w: Float32Array, rows: number, cols: number): QuantizedColumns {
  if (w.length !== rows * cols) throw new Error(`quantizeRows: ${w.length} values for [${rows}, ${cols}]`);
  const maxAbs = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) m = Math.max(m, Math.abs(w[i]!));
    maxAbs[r] = m;
  }
  const scale = scalesOf(maxAbs);
  const q = new Int8Array(w.length);
  for (let r = 0; r < rows; r++) {
    const inv = 1 / scale[r]!;
    for (let i = r * cols; i < (r + 1) * cols; i++) q[i] = quantizeValue(w[i]!, inv);
  }
  return { q, scale };
}

/** The plan kinds with an int8 graph: ViT (quantised Linears) and ResNet (quantised convs). */
const INT8_KINDS: readonly string[] = ['vit', 'resnet'];

/**
 * Throws when `plan` cannot be built at `precision` (a plan kind without an int8 form); checked
 * before any weights are read. `what` names the model in the message.
 */
export function checkPrecision(plan: { kind: string }, precision: Precision, what: string): void {
  if (precision === 'int8' && !INT8_KINDS.includes(plan.kind)) {
    throw new DomainError('unsupported', `${what}: int8 precision is not available for ${plan.kind} models; use --precision fp32`);
  }
}
