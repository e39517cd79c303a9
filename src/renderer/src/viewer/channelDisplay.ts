/**
 * Channel display of a fluorescence slide, as QuPath's brightness/contrast dialog: each channel
 * the tiles carry (one colour component, or grey) can be hidden, given a colour (lookup table)
 * and a min/max display range. It is a display-only filter on the viewer's canvas: the range is
 * a linear transfer per component, the colours a colour matrix summing the channels.
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

/** A channel the tiles carry, with its index in the slide's list. */
export interface DisplayChannel extends SlideChannel {
  index: number;
  sample: ChannelSample;
}

export function displayChannels(channels: SlideChannel[]): DisplayChannel[] {
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
    if (!v?.on) return;
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
