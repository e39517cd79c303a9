/**
 * Pillow's Image.resize for 8-bit images, ported from libImaging/Resample.c so that resized
 * pixels are bit-identical to what transformers' image processors (which resize through PIL)
 * feed a model. A model fine-tuned in Python and run here then sees the same input.
 *
 * Two separable passes (horizontal, then vertical), each a convolution whose support widens with
 * the downscale factor (antialiasing), with coefficients in 22-bit fixed point and the
 * intermediate image rounded to uint8, exactly as Pillow does.
 */

/** PIL.Image.Resampling values, as `resample` in preprocessor_config.json. */
export const PIL_RESAMPLE = { NEAREST: 0, LANCZOS: 1, BILINEAR: 2, BICUBIC: 3, BOX: 4, HAMMING: 5 } as const;

interface Filter {
  support: number;
  f(x: number): number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  x *= Math.PI;
  return Math.sin(x) / x;
}

const FILTERS: Record<number, Filter> = {
  [PIL_RESAMPLE.BOX]: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  [PIL_RESAMPLE.BILINEAR]: {
    support: 1,
    f: (x) => {
      x = Math.abs(x);
      return x < 1 ? 1 - x : 0;
    },
  },
  [PIL_RESAMPLE.HAMMING]: {
    support: 1,
    f: (x) => {
      x = Math.abs(x);
      if (x === 0) return 1;
      if (x >= 1) return 0;
      x *= Math.PI;
      return (Math.sin(x) / x) * (0.54 + 0.46 * Math.cos(x));
    },
  },
  [PIL_RESAMPLE.BICUBIC]: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  [PIL_RESAMPLE.LANCZOS]: { support: 3, f: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;

/** precompute_coeffs + normalize_coeffs_8bpc: per output index, the first input index, the count and fixed-point weights. */
function coefficients(inSize: number, outSize: number, filter: Filter): { ksize: number; bounds: Int32Array; kk: Int32Array } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    // (int) casts in C truncate toward zero
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = filter.f((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax ? (ww !== 0 ? k[x] / ww : k[x]) : 0;
      kk[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(v: number): number {
  const s = v >> PRECISION_BITS;
  return s < 0 ? 0 : s > 255 ? 255 : s;
}

/** Resizes interleaved uint8 pixels `src` [h, w, channels] to [outH, outW, channels]. */
export function pilResize(
  src: Uint8Array,
  w: number,
  h: number,
  channels: number,
  outW: number,
  outH: number,
  resample: number,
): Uint8Array {
  if (outW === w && outH === h) return src.slice(); // PIL returns a copy when the size is unchanged
  if (resample === PIL_RESAMPLE.NEAREST) return nearest(src, w, h, channels, outW, outH);
  const filter = FILTERS[resample];
  if (!filter) throw new Error(`resample ${resample} is not a PIL filter`);
  const half = 1 << (PRECISION_BITS - 1);
  let img = src;
  let iw = w;
  const vert = coefficients(h, outH, filter);
  if (outW !== w) {
    // Horizontal pass only over the rows the vertical pass will read.
    const hor = coefficients(w, outW, filter);
    const first = vert.bounds[0];
    const last = vert.bounds[outH * 2 - 2] + vert.bounds[outH * 2 - 1];
    const rows = outH !== h ? last - first : h;
    const y0 = outH !== h ? first : 0;
    if (outH !== h) for (let i = 0; i < outH; i++) vert.bounds[i * 2] -= first;
    const tmp = new Uint8Array(rows * outW * channels);
    if (channels === 3) horizontalRgb(src, tmp, w, rows, y0, outW, hor, half);
    else {
      for (let y = 0; y < rows; y++) {
        const rowIn = (y + y0) * w * channels;
        for (let xx = 0; xx < outW; xx++) {
          const xmin = hor.bounds[xx * 2];
          const xmax = hor.bounds[xx * 2 + 1];
          const kOff = xx * hor.ksize;
          for (let c = 0; c < channels; c++) {
            let ss = half;
            for (let x = 0; x < xmax; x++) ss += src[rowIn + (x + xmin) * channels + c] * hor.kk[kOff + x];
            tmp[(y * outW + xx) * channels + c] = clip8(ss);
          }
        }
      }
    }
    img = tmp;
    iw = outW;
  }
  if (outH === h) return img;
  const out = new Uint8Array(outH * iw * channels);
  if (channels === 3) verticalRgb(img, out, iw, outH, vert, half);
  else {
    for (let yy = 0; yy < outH; yy++) {
      const ymin = vert.bounds[yy * 2];
      const ymax = vert.bounds[yy * 2 + 1];
      const kOff = yy * vert.ksize;
      for (let xx = 0; xx < iw; xx++) {
        for (let c = 0; c < channels; c++) {
          let ss = half;
          for (let y = 0; y < ymax; y++) ss += img[((y + ymin) * iw + xx) * channels + c] * vert.kk[kOff + y];
          out[(yy * iw + xx) * channels + c] = clip8(ss);
        }
      }
    }
  }
  return out;
}

/*
 * The two passes for RGB, the slide tiles' case (a tile reader resizes every tile of a slide, on
 * the cores inference needs): the three channels share each weight load and index. Every term and
 * sum is an integer far below 2^53, so the result is bit-identical to the generic loops.
 */
type Coefficients = ReturnType<typeof coefficients>;

function horizontalRgb(src: Uint8Array, tmp: Uint8Array, w: number, rows: number, y0: number, outW: number, hor: Coefficients, half: number): void {
  const { bounds, kk, ksize } = hor;
  for (let y = 0; y < rows; y++) {
    const rowIn = (y + y0) * w * 3;
    let o = y * outW * 3;
    for (let xx = 0; xx < outW; xx++, o += 3) {
      const xmax = bounds[xx * 2 + 1]!;
      const kOff = xx * ksize;
      let p = rowIn + bounds[xx * 2]! * 3;
      let r = half;
      let g = half;
      let b = half;
      for (let x = 0; x < xmax; x++, p += 3) {
        const k = kk[kOff + x]!;
        r += src[p]! * k;
        g += src[p + 1]! * k;
        b += src[p + 2]! * k;
      }
      tmp[o] = clip8(r);
      tmp[o + 1] = clip8(g);
      tmp[o + 2] = clip8(b);
    }
  }
}

function verticalRgb(img: Uint8Array, out: Uint8Array, iw: number, outH: number, vert: Coefficients, half: number): void {
  const { bounds, kk, ksize } = vert;
  const stride = iw * 3;
  for (let yy = 0; yy < outH; yy++) {
    const ymax = bounds[yy * 2 + 1]!;
    const kOff = yy * ksize;
    const first = bounds[yy * 2]! * stride;
    let o = yy * stride;
    for (let xx = 0; xx < stride; xx += 3, o += 3) {
      let p = first + xx;
      let r = half;
      let g = half;
      let b = half;
      for (let y = 0; y < ymax; y++, p += stride) {
        const k = kk[kOff + y]!;
        r += img[p]! * k;
        g += img[p + 1]! * k;
        b += img[p + 2]! * k;
      }
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
}

/** PIL NEAREST: an affine transform sampling the input at floor((x + 0.5) * scale). */
function nearest(src: Uint8Array, w: number, h: number, channels: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * channels);
  const sx = w / outW;
  const sy = h / outH;
  for (let y = 0; y < outH; y++) {
    const yi = Math.min(Math.floor((y + 0.5) * sy), h - 1);
    for (let x = 0; x < outW; x++) {
      const xi = Math.min(Math.floor((x + 0.5) * sx), w - 1);
      for (let c = 0; c < channels; c++) out[(y * outW + x) * channels + c] = src[(yi * w + xi) * channels + c];
    }
  }
  return out;
}
