/**
 * Weight quantisation for the int8 CPU graph: what onnxruntime's own `quantize_dynamic`
 * (per_channel=True, weight_type=QInt8) produces, done in JS so no Python step is needed.
 *
 * Weights are symmetric int8 per output channel (zero point 0): a column's scale is its largest
 * |w| / 127, so every column keeps its full 8-bit range however different the columns' magnitudes
 * (a per-tensor scale loses the small columns of a ViT's fc2). Activations are quantised at run
 * time, per tensor, by the engine (DynamicQuantizeMatMul / DynamicQuantizeLinear).
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
  const scale = new Float32Array(cols);
  const inv = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    // An all-zero column keeps scale 1 (any scale represents it exactly; 0 would divide by zero).
    scale[c] = maxAbs[c]! > 0 ? maxAbs[c]! / 127 : 1;
    inv[c] = 1 / scale[c]!;
  }
  const q = new Int8Array(w.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = w[base + c]! * inv[c]!;
      q[base + c] = Math.max(-127, Math.min(127, v < 0 ? -Math.round(-v) : Math.round(v)));
    }
  }
  return { q, scale };
}

/**
 * Throws when `plan` cannot be built at `precision`: int8 covers the transformer Linears, so a
 * ResNet (all convolutions) has no int8 graph yet. `what` names the model in the message.
 */
export function checkPrecision(plan: { kind: 'vit' | 'resnet' }, precision: Precision, what: string): void {
  if (precision === 'int8' && plan.kind !== 'vit') {
    throw new DomainError('unsupported', `${what}: int8 precision is available for ViT models only (ResNet convolutions run at fp32); use --precision fp32`);
  }
}
