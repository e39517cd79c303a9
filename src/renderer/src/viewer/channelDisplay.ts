/**
 * Channel display of a fluorescence slide, as QuPath's brightness/contrast dialog: each channel
 * can be hidden, given a colour (lookup table) and a min/max display range. Where the tiles carry
 * the channels (one colour component each, or grey) it is a display-only filter on the viewer's
 * canvas: the range is a linear transfer per component, the colours a colour matrix summing the
 * channels. Where each channel has grey tiles of its own (a QPTIFF), compositeChannels mixes them.
 */
import type { ChannelSample, SlideChannel } from '@shared/api';

export interface ChannelView {
  on: boolean;
  /** "#rrggbb". */
  color: string;
  /** Display range in the tiles' 8-bit values: min shows black, max full colour. */
  min: number;
  max: number;
}

/** A channel that can be shown, with its index in the slide's list. */
export interface DisplayChannel extends Omit<SlideChannel, 'sample'> {
  index: number;
  /** Where the ordinary tiles carry it; null when it has tiles of its own. */
  sample: ChannelSample | null;
}

/** The channels the tiles carry; every channel when each has tiles of its own (`ownTiles`). */
export function displayChannels(channels: SlideChannel[], ownTiles = false): DisplayChannel[] {
  if (ownTiles) return channels.map((c, index) => ({ ...c, index, sample: null }));
  return channels.flatMap((c, index) => (c.sample ? [{ ...c, index, sample: c.sample }] : []));
}

export function defaultViews(channels: DisplayChannel[]): ChannelView[] {
  return channels.map((c) => ({ on: true, color: c.color, min: 0, max: 255 }));
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

/** Auto-contrast: the 0.5th and 99.8th percentiles of a histogram as the display range. */
export function autoRange(hist: ArrayLike<number>, low = 0.005, high = 0.998): { min: number; max: number } {
  let total = 0;
  for (let i = 0; i < 256; i++) total += hist[i]!;
  if (total === 0) return { min: 0, max: 255 };
  const at = (q: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += hist[v]!) >= q * total) return v;
    return 255;
  };
  const min = at(low);
  return { min, max: Math.max(at(high), min + 1) };
}

/**
 * Additive mix of grey channels, each through its display range into its colour, as
 * channelFilter does for channels packed in RGB: out = sum over shown channels of
 * colour * clamp((v - min) / (max - min)), clamped to 255. `greys[i]` holds channel i's values
 * (null: not loaded, shown as nothing); `out` is RGBA of the same pixel count, left opaque.
 */
export function compositeChannels(greys: (ArrayLike<number> | null)[], views: ChannelView[], out: Uint8ClampedArray): void {
  const n = out.length >> 2;
  const acc = new Float32Array(n * 3);
  greys.forEach((g, i) => {
    const v = views[i];
    if (!g || !v?.on) return;
    const lo = Math.min(v.min, v.max - 1);
    const hi = Math.max(v.max, v.min + 1);
    const [r, gr, b] = rgbOf(v.color);
    // One table per channel: 256 values, not one division per pixel.
    const lut = new Float32Array(256);
    for (let x = 0; x < 256; x++) lut[x] = Math.min(1, Math.max(0, (x - lo) / (hi - lo))) * 255;
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

/** 256-bin histogram of grey values. */
export function greyHistogram(grey: ArrayLike<number>): Uint32Array {
  const h = new Uint32Array(256);
  for (let i = 0; i < grey.length; i++) h[grey[i]!]++;
  return h;
}
