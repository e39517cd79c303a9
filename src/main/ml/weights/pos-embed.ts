/**
 * The token embeddings a ViT adds before its first block, computed once at graph-build time for
 * the size the model runs at, so both engines (and every layout) see the same numbers:
 *
 * - `prefix` [1+R, D]: CLS then registers, each with its position row already added where the
 *   table covers it (cls + pos[0] is the same float32 sum the network would do);
 * - `patchPos` [gh·gw, D]: the table's patch rows, resampled to the run grid when it differs.
 *
 * Resampling follows timm's resample_abs_pos_embed (= F.interpolate on [1, D, g, g],
 * align_corners=False, prefix rows kept). With antialias=True torch uses PIL's cubic kernel
 * (a = -0.5), widened when downsampling and used even when upsampling; plain bicubic is
 * a = -0.75 with clamped taps. Using the wrong one moves UNI's features by 3e-2.
 */
import type { VitPlan } from '../plan.js';
import { patchGrid } from '../plan.js';

type Get = (name: string, shape?: readonly number[]) => Float32Array;

/** One axis of torch's antialiased bicubic: per output index, first input index and normalised weights. */
function aaTaps(inSize: number, outSize: number): { start: number; w: Float64Array }[] {
  const cubic = (x: number): number => {
    const a = -0.5;
    x = Math.abs(x);
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
  };
  const scale = inSize / outSize;
  const support = scale >= 1 ? 2 * scale : 2;
  const invscale = scale >= 1 ? 1 / scale : 1;
  const taps = [];
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xsize = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const w = new Float64Array(xsize);
    let total = 0;
    for (let j = 0; j < xsize; j++) total += w[j] = cubic((j + xmin - center + 0.5) * invscale);
    for (let j = 0; j < xsize; j++) w[j] = total !== 0 ? w[j]! / total : 0;
    taps.push({ start: xmin, w });
  }
  return taps;
}

/** One axis of torch's plain bicubic (a = -0.75, align_corners=False), taps clamped at the border, as dense weights. */
function plainTaps(inSize: number, outSize: number): { start: number; w: Float64Array }[] {
  const A = -0.75;
  const scale = inSize / outSize;
  const taps = [];
  for (let i = 0; i < outSize; i++) {
    const real = scale * (i + 0.5) - 0.5;
    const x = Math.floor(real);
    const t = real - x;
    const c = [
      ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A,
      ((A + 2) * t - (A + 3)) * t * t + 1,
      ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1,
      ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A,
    ];
    const w = new Float64Array(inSize);
    for (let k = 0; k < 4; k++) w[Math.min(Math.max(x - 1 + k, 0), inSize - 1)]! += c[k]!;
    taps.push({ start: 0, w });
  }
  return taps;
}

/**
 * Resamples a [gh·gw, D] table (row-major grid) to [oh·ow, D]: width first, then height, as
 * torch's separable kernel does; float64 inside, float32 out.
 */
export function resamplePosTable(
  table: Float32Array,
  dim: number,
  from: [number, number],
  to: [number, number],
  mode: 'bicubic-antialias' | 'bicubic',
): Float32Array {
  const [gh, gw] = from;
  const [oh, ow] = to;
  const taps = mode === 'bicubic-antialias' ? aaTaps : plainTaps;
  const tw = taps(gw, ow);
  const th = taps(gh, oh);
  const mid = new Float64Array(gh * ow * dim);
  for (let r = 0; r < gh; r++) {
    for (let c = 0; c < ow; c++) {
      const { start, w } = tw[c]!;
      const o = (r * ow + c) * dim;
      for (let j = 0; j < w.length; j++) {
        const s = (r * gw + start + j) * dim;
        const wj = w[j]!;
        if (wj !== 0) for (let d = 0; d < dim; d++) mid[o + d]! += wj * table[s + d]!;
      }
    }
  }
  const out = new Float32Array(oh * ow * dim);
  const acc = new Float64Array(dim);
  for (let r = 0; r < oh; r++) {
    const { start, w } = th[r]!;
    for (let c = 0; c < ow; c++) {
      acc.fill(0);
      for (let j = 0; j < w.length; j++) {
        const s = ((start + j) * ow + c) * dim;
        const wj = w[j]!;
        if (wj !== 0) for (let d = 0; d < dim; d++) acc[d]! += wj * mid[s + d]!;
      }
      out.set(acc, (r * ow + c) * dim);
    }
  }
  return out;
}

export interface TokenEmbeddings {
  /** [1+R, D]: CLS then registers, positions added where the table covers them. */
  prefix: Float32Array;
  /** [gh·gw, D] at the run grid. */
  patchPos: Float32Array;
}

/** The prefix tokens and the patch position rows of `plan` at its input size. */
export function tokenEmbeddings(plan: VitPlan, get: Get): TokenEmbeddings {
  const D = plan.dim;
  const R = plan.registers?.count ?? 0;
  const [th, tw] = plan.pos.grid;
  const nTable = th * tw;
  const covers = plan.pos.covers;
  // Rows of the table before its patch rows: CLS and registers ('all'), CLS ('cls+patches'), none ('patches').
  const lead = covers === 'all' ? 1 + R : covers === 'cls+patches' ? 1 : 0;
  const table = get(plan.pos.name, [1, lead + nTable, D]);
  const prefix = new Float32Array((1 + R) * D);
  prefix.set(get(plan.clsToken, [1, 1, D]));
  if (R) prefix.set(get(plan.registers!.name, [1, R, D]), D);
  for (let i = 0; i < Math.min(lead, 1 + R) * D; i++) prefix[i] = Math.fround(prefix[i]! + table[i]!);
  const grid = patchGrid(plan);
  let patchPos = table.subarray(lead * D);
  // timm skips the resample only when the grid is square and the row count already matches.
  if (grid[0] !== th || grid[1] !== tw) patchPos = resamplePosTable(patchPos, D, [th, tw], grid, plan.pos.resample);
  return { prefix, patchPos };
}
