/**
 * Channel display of a fluorescence slide, as QuPath's brightness/contrast dialog: each channel
 * can be hidden, given a colour (lookup table) and a min/max display range. Where the tiles carry
 * the channels (one colour component each, or grey) it is a display-only filter on the viewer's
 * canvas: the range is a linear transfer per component, the colours a colour matrix summing the
 * channels. Where each channel has grey tiles of its own (a QPTIFF, an OME-TIFF), compositeChannels
 * mixes them; a 16-bit channel's tiles carry its samples exactly (unpackSamples), so its range
 * and histogram are in its own 0-65535 units.
 */
import type { ChannelSample, SlideChannel } from '@shared/api';

export interface ChannelView {
  on: boolean;
  /** "#rrggbb". */
  color: string;
  /** Display range in the channel's own values (0-255, or 0-65535 for a 16-bit channel): min shows black, max full colour. */
  min: number;
  max: number;
}

/** A channel that can be shown, with its index in the slide's list. */
export interface DisplayChannel extends Omit<SlideChannel, 'sample' | 'bits'> {
  index: number;
  /** Where the ordinary tiles carry it; null when it has tiles of its own. */
  sample: ChannelSample | null;
  /** Bits per value the viewer gets: 16 only for a 16-bit channel with tiles of its own. */
  bits: 8 | 16;
}

/** The largest value of a channel of `bits` bits. */
export const maxValue = (bits: 8 | 16 | undefined): number => (bits === 16 ? 65535 : 255);

/** The channels the tiles carry; every channel when each has tiles of its own (`ownTiles`). */
export function displayChannels(channels: SlideChannel[], ownTiles = false): DisplayChannel[] {
  if (ownTiles) return channels.map(({ bits, ...c }, index) => ({ ...c, index, sample: null, bits: bits ?? 8 }));
  return channels.flatMap(({ bits: _bits, ...c }, index) => (c.sample ? [{ ...c, index, sample: c.sample, bits: 8 as const }] : []));
}

export function defaultViews(channels: Pick<DisplayChannel, 'color' | 'bits'>[]): ChannelView[] {
  return channels.map((c) => ({ on: true, color: c.color, min: 0, max: maxValue(c.bits) }));
}

/**
 * A channel tile's values from the RGBA a canvas decodes it to: 8-bit grey is R (= G = B); a
 * 16-bit channel's tile packs each sample as R = high byte, G = low byte.
 */
export function unpackSamples(rgba: ArrayLike<number>, bits: 8 | 16): Uint8Array | Uint16Array {
  const n = rgba.length >> 2;
  const out = bits === 16 ? new Uint16Array(n) : new Uint8Array(n);
  if (bits === 16) for (let p = 0; p < n; p++) out[p] = rgba[p * 4]! * 256 + rgba[p * 4 + 1]!;
  else for (let p = 0; p < n; p++) out[p] = rgba[p * 4]!;
  return out;
}

/**
 * The top of a channel's value scale for its controls: 255 for 8-bit; for a 16-bit channel the
 * smallest 2^k - 1 (at least 255) holding every value of its histogram, so a 12-bit camera's
 * 0-4095 fills the slider rather than its first sixteenth.
 */
export function valueScale(bits: 8 | 16, hist: ArrayLike<number> | null | undefined): number {
  if (bits !== 16) return 255;
  let top = 0;
  if (hist) for (let v = hist.length - 1; v > 0; v--) if (hist[v]) { top = v; break; }
  let scale = 255;
  while (scale < top) scale = scale * 2 + 1;
  return Math.min(scale, 65535);
}

/** Component of the RGB tile a sample is read from (grey: R = G = B, so red). */
const COMPONENT: Record<ChannelSample, 0 | 1 | 2> = { red: 0, green: 1, blue: 2, grey: 0 };

function rgbOf(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

export interface ChannelFilter {
  /** feFuncR/G/B linear slope and intercept (on 0..1 values; SVG clamps the result to 0..1). */
  transfer: { slope: number; intercept: number }[];
  /** feColorMatrix values, 4 x 5 row-major. */
  matrix: number[];
}

/** The filter that shows `views` of `channels`; a hidden channel contributes nothing. */
export function channelFilter(channels: DisplayChannel[], views: ChannelView[]): ChannelFilter {
  const transfer = [0, 1, 2].map(() => ({ slope: 0, intercept: 0 }));
  const matrix = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
  channels.forEach((c, i) => {
    const v = views[i];
    if (!v?.on || !c.sample) return;
    const k = COMPONENT[c.sample];
    const lo = Math.min(v.min, v.max - 1) / 255;
    const hi = Math.max(v.max, v.min + 1) / 255;
    transfer[k] = { slope: 1 / (hi - lo), intercept: -lo / (hi - lo) };
    const [r, g, b] = rgbOf(v.color);
    // Two channels on one component cannot be told apart; the later one's colour adds to it.
    matrix[k] += r;
    matrix[5 + k] += g;
    matrix[10 + k] += b;
  });
  return { transfer, matrix };
}

/** 256-bin histograms of each sample of an RGBA image (transparent pixels left out). */
export function sampleHistograms(rgba: Uint8ClampedArray): Record<ChannelSample, Uint32Array> {
  const h = { red: new Uint32Array(256), green: new Uint32Array(256), blue: new Uint32Array(256), grey: new Uint32Array(256) };
  for (let o = 0; o + 3 < rgba.length; o += 4) {
    if (rgba[o + 3]! < 128) continue;
    h.red[rgba[o]!]++;
    h.green[rgba[o + 1]!]++;
    h.blue[rgba[o + 2]!]++;
    h.grey[Math.max(rgba[o]!, rgba[o + 1]!, rgba[o + 2]!)]++;
  }
  return h;
}

/** Auto-contrast: the 0.5th and 99.8th percentiles of a histogram (one bin per value: 256, or 65536 for 16-bit) as the display range. */
export function autoRange(hist: ArrayLike<number>, low = 0.005, high = 0.998): { min: number; max: number } {
  const top = hist.length - 1;
  let total = 0;
  for (let i = 0; i <= top; i++) total += hist[i]!;
  if (total === 0) return { min: 0, max: top };
  const at = (q: number) => {
    let seen = 0;
    for (let v = 0; v <= top; v++) if ((seen += hist[v]!) >= q * total) return v;
    return top;
  };
  const min = at(low);
  return { min, max: Math.max(at(high), min + 1) };
}

/** Range tables by view and size: a view is replaced, never changed, so each is built once and reused for every tile. */
const rangeTables = new WeakMap<ChannelView, Map<number, Float32Array>>();

/** clamp((x - min) / (max - min)) * 255 for every value x below `size`. */
function rangeTable(v: ChannelView, size: number): Float32Array {
  let bySize = rangeTables.get(v);
  if (!bySize) rangeTables.set(v, (bySize = new Map()));
  let lut = bySize.get(size);
  if (!lut) {
    const lo = Math.min(v.min, v.max - 1);
    const hi = Math.max(v.max, v.min + 1);
    lut = new Float32Array(size);
    for (let x = 0; x < size; x++) lut[x] = Math.min(1, Math.max(0, (x - lo) / (hi - lo))) * 255;
    bySize.set(size, lut);
  }
  return lut;
}

/**
 * Additive mix of grey channels, each through its display range into its colour, as
 * channelFilter does for channels packed in RGB: out = sum over shown channels of
 * colour * clamp((v - min) / (max - min)), clamped to 255. `greys[i]` holds channel i's values
 * in its own units (8-bit, or 16-bit samples as unpackSamples gives them; null: not loaded, shown
 * as nothing) and views[i]'s range is in the same units; `out` is RGBA of the same pixel count, left opaque.
 */
export function compositeChannels(greys: (ArrayLike<number> | null)[], views: ChannelView[], out: Uint8ClampedArray): void {
  const n = out.length >> 2;
  const acc = new Float32Array(n * 3);
  greys.forEach((g, i) => {
    const v = views[i];
    if (!g || !v?.on) return;
    const [r, gr, b] = rgbOf(v.color);
    // One table per channel (its every value), not one division per pixel.
    const lut = rangeTable(v, g instanceof Uint8Array || g instanceof Uint8ClampedArray ? 256 : 65536);
    for (let p = 0; p < n; p++) {
      const t = lut[g[p]!]!;
      if (t === 0) continue;
      acc[p * 3] += r * t;
      acc[p * 3 + 1] += gr * t;
      acc[p * 3 + 2] += b * t;
    }
  });
  for (let p = 0; p < n; p++) {
    out[p * 4] = Math.round(acc[p * 3]!);
    out[p * 4 + 1] = Math.round(acc[p * 3 + 1]!);
    out[p * 4 + 2] = Math.round(acc[p * 3 + 2]!);
    out[p * 4 + 3] = 255;
  }
}

/** Histogram of grey values, one bin per value: 256, or 65536 for 16-bit samples. */
export function greyHistogram(grey: ArrayLike<number>): Uint32Array {
  const h = new Uint32Array(grey instanceof Uint16Array ? 65536 : 256);
  for (let i = 0; i < grey.length; i++) h[grey[i]!]++;
  return h;
}
