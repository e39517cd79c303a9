/**
 * Stain normalisation fitted to a reference image: Reinhard et al. 2001 (match the mean and
 * standard deviation of each CIELAB channel) and Macenko et al. 2009 (estimate the H and E
 * optical-density vectors of an image, rescale its stain concentrations to the reference's).
 *
 * The fitted parameters are written next to the model as `stain_normalization.json`; training,
 * evaluation and inference all normalise through `stainNormalizer(params)` so the pixels a model
 * sees at inference went through exactly what it was trained on.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { StainConfig } from '../../../shared/contract/training.js';
import { decodeImage, type RGBImage } from '../models/processors.js';
import { percentile } from '../percentile.js';
import { parseJsonFile } from '../../errors.js';

export const STAIN_FILE = 'stain_normalization.json';

export const StainParams = z.discriminatedUnion('method', [
  z.object({ method: z.literal('reinhard'), reference: z.string(), mean: z.array(z.number()).length(3), std: z.array(z.number()).length(3) }),
  z.object({
    method: z.literal('macenko'),
    reference: z.string(),
    /** Columns are the H and E optical-density unit vectors: [[rH, rE], [gH, gE], [bH, bE]]. */
    stainMatrix: z.array(z.array(z.number()).length(2)).length(3),
    /** 99th percentile of each stain's concentration in the reference. */
    maxConcentrations: z.array(z.number()).length(2),
    /** The reference's white (light entering the tissue) per channel, 0..255. */
    io: z.array(z.number()).length(3),
  }),
]);
export type StainParams = z.output<typeof StainParams>;

// ---------- CIELAB (D65), from sRGB ----------

const srgbToLinear = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const linearToSrgb = (c: number): number => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
const WHITE = [0.95047, 1, 1.08883];
const fLab = (t: number): number => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
const fLabInv = (t: number): number => (t > 6 / 29 ? t ** 3 : 3 * (6 / 29) ** 2 * (t - 4 / 29));

export function rgbToLab(r8: number, g8: number, b8: number): [number, number, number] {
  const r = srgbToLinear(r8 / 255), g = srgbToLinear(g8 / 255), b = srgbToLinear(b8 / 255);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / WHITE[0];
  const y = (0.2126729 * r + 0.7151522 * g + 0.072175 * b) / WHITE[1];
  const z2 = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / WHITE[2];
  const fx = fLab(x), fy = fLab(y), fz = fLab(z2);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export function labToRgb(l: number, a: number, bb: number): [number, number, number] {
  const fy = (l + 16) / 116;
  const x = fLabInv(fy + a / 500) * WHITE[0];
  const y = fLabInv(fy) * WHITE[1];
  const z2 = fLabInv(fy - bb / 200) * WHITE[2];
  const r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z2;
  const g = -0.969266 * x + 1.8760108 * y + 0.041556 * z2;
  const b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z2;
  const to8 = (c: number) => Math.round(Math.min(1, Math.max(0, linearToSrgb(Math.min(1, Math.max(0, c))))) * 255);
  return [to8(r), to8(g), to8(b)];
}

function labStats(img: RGBImage): { lab: Float64Array; mean: number[]; std: number[] } {
  const n = img.width * img.height;
  const lab = new Float64Array(n * 3);
  const sum = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const v = rgbToLab(img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]);
    for (let c = 0; c < 3; c++) {
      lab[i * 3 + c] = v[c];
      sum[c] += v[c];
    }
  }
  const mean = sum.map((s) => s / n);
  const sq = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) sq[c] += (lab[i * 3 + c] - mean[c]) ** 2;
  return { lab, mean, std: sq.map((s) => Math.sqrt(s / n)) };
}

export function fitReinhard(ref: RGBImage, reference: string): StainParams {
  const { mean, std } = labStats(ref);
  return { method: 'reinhard', reference, mean, std };
}

function applyReinhard(img: RGBImage, p: Extract<StainParams, { method: 'reinhard' }>): RGBImage {
  const { lab, mean, std } = labStats(img);
  const out = new Uint8Array(img.data.length);
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const v = [0, 1, 2].map((c) => (std[c] > 1e-6 ? ((lab[i * 3 + c] - mean[c]) / std[c]) * p.std[c] + p.mean[c] : lab[i * 3 + c] - mean[c] + p.mean[c]));
    out.set(labToRgb(v[0], v[1], v[2]), i * 3);
  }
  return { data: out, width: img.width, height: img.height };
}

// ---------- Macenko ----------

/**
 * Macenko's fixed white level is 240; where the brightest pixels of a channel go above it (glass
 * scanned brighter, like these LC25000 patches' blue) that channel's white is its 99th
 * percentile instead, so bright pixels do not get negative optical density.
 */
const MACENKO_IO = 240;

function whitePoint(img: RGBImage): number[] {
  return [0, 1, 2].map((c) => {
    const hist = new Array<number>(256).fill(0);
    for (let i = c; i < img.data.length; i += 3) hist[img.data[i]]++;
    const n = img.data.length / 3;
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      seen += hist[v];
      if (seen >= 0.99 * n) return Math.max(MACENKO_IO, v + 1);
    }
    return 256;
  });
}
/** Optical density below which a pixel counts as background (in any channel). */
const OD_THRESHOLD = 0.15;
/** Percentile of the angle distribution taken as the extreme stain directions. */
const ANGLE_PERCENTILE = 1;

/** Eigen-decomposition of a symmetric 3x3 matrix by Jacobi rotations: eigenvalues ascending, eigenvectors as columns. */
export function symmetricEigen3(a: number[][]): { values: number[]; vectors: number[][] } {
  const m = a.map((r) => [...r]);
  const v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = Math.abs(m[0][1]) + Math.abs(m[0][2]) + Math.abs(m[1][2]);
    if (off < 1e-15) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      if (Math.abs(m[p][q]) < 1e-300) continue;
      const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const mkp = m[k][p], mkq = m[k][q];
        m[k][p] = c * mkp - s * mkq;
        m[k][q] = s * mkp + c * mkq;
      }
      for (let k = 0; k < 3; k++) {
        const mpk = m[p][k], mqk = m[q][k];
        m[p][k] = c * mpk - s * mqk;
        m[q][k] = s * mpk + c * mqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p], vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => m[i][i] - m[j][j]);
  return { values: order.map((i) => m[i][i]), vectors: [0, 1, 2].map((r) => order.map((i) => v[r][i])) };
}

function opticalDensity(img: RGBImage, io: number[]): Float64Array {
  const od = new Float64Array(img.data.length);
  for (let i = 0; i < od.length; i++) od[i] = -Math.log((img.data[i] + 1) / io[i % 3]);
  return od;
}

/** H and E vectors (3x2, columns) of an image, or null when it has too little stained tissue to tell. */
function macenkoStainMatrix(od: Float64Array): number[][] | null {
  const n = od.length / 3;
  const tissue: number[] = [];
  for (let i = 0; i < n; i++) if (od[i * 3] >= OD_THRESHOLD && od[i * 3 + 1] >= OD_THRESHOLD && od[i * 3 + 2] >= OD_THRESHOLD) tissue.push(i);
  if (tissue.length < 50) return null;
  const mean = [0, 1, 2].map((c) => tissue.reduce((s, i) => s + od[i * 3 + c], 0) / tissue.length);
  const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => tissue.reduce((s, i) => s + (od[i * 3 + a] - mean[a]) * (od[i * 3 + b] - mean[b]), 0) / (tissue.length - 1)));
  const { vectors } = symmetricEigen3(cov);
  // the plane of the two largest eigenvectors, each pointed into positive optical density
  const e = [1, 2].map((col) => {
    const vec = [vectors[0][col], vectors[1][col], vectors[2][col]];
    return vec[0] + vec[1] + vec[2] < 0 ? vec.map((x) => -x) : vec;
  });
  const phi = tissue.map((i) => {
    const x = od[i * 3] * e[0][0] + od[i * 3 + 1] * e[0][1] + od[i * 3 + 2] * e[0][2];
    const y = od[i * 3] * e[1][0] + od[i * 3 + 1] * e[1][1] + od[i * 3 + 2] * e[1][2];
    return Math.atan2(y, x);
  });
  phi.sort((a, b) => a - b);
  const dir = (angle: number) => [0, 1, 2].map((c) => e[0][c] * Math.cos(angle) + e[1][c] * Math.sin(angle));
  const vMin = dir(percentile(phi, ANGLE_PERCENTILE));
  const vMax = dir(percentile(phi, 100 - ANGLE_PERCENTILE));
  // haematoxylin absorbs more red than eosin does: it is the vector with the larger first component
  const [h, eo] = vMin[0] > vMax[0] ? [vMin, vMax] : [vMax, vMin];
  const unit = (v: number[]) => {
    const len = Math.hypot(...v);
    return v.map((x) => x / len);
  };
  const hu = unit(h), eu = unit(eo);
  return [0, 1, 2].map((c) => [hu[c], eu[c]]);
}

/** Least-squares stain concentrations (2 per pixel) of optical densities under a 3x2 stain matrix. */
function concentrations(od: Float64Array, he: number[][]): Float64Array {
  // (HE^T HE)^-1 HE^T, a 2x3 matrix
  const a = he[0][0] ** 2 + he[1][0] ** 2 + he[2][0] ** 2;
  const b = he[0][0] * he[0][1] + he[1][0] * he[1][1] + he[2][0] * he[2][1];
  const d = he[0][1] ** 2 + he[1][1] ** 2 + he[2][1] ** 2;
  const det = a * d - b * b;
  const pinv = [0, 1].map((r) => [0, 1, 2].map((c) => (r === 0 ? d * he[c][0] - b * he[c][1] : a * he[c][1] - b * he[c][0]) / det));
  const n = od.length / 3;
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 2; r++) out[i * 2 + r] = pinv[r][0] * od[i * 3] + pinv[r][1] * od[i * 3 + 1] + pinv[r][2] * od[i * 3 + 2];
  }
  return out;
}

function maxConcentrations(c: Float64Array): number[] {
  return [0, 1].map((s) => {
    const vals = Array.from({ length: c.length / 2 }, (_, i) => c[i * 2 + s]).sort((x, y) => x - y);
    return percentile(vals, 99);
  });
}

export function fitMacenko(ref: RGBImage, reference: string): StainParams {
  const io = whitePoint(ref);
  const od = opticalDensity(ref, io);
  const he = macenkoStainMatrix(od);
  if (!he) throw new Error(`${reference}: too little stained tissue to estimate H&E vectors (Macenko)`);
  return { method: 'macenko', reference, stainMatrix: he, maxConcentrations: maxConcentrations(concentrations(od, he)), io };
}

function applyMacenko(img: RGBImage, p: Extract<StainParams, { method: 'macenko' }>): RGBImage {
  const od = opticalDensity(img, whitePoint(img));
  const he = macenkoStainMatrix(od);
  if (!he) return img; // glass or nearly so: nothing to normalise
  const c = concentrations(od, he);
  const maxC = maxConcentrations(c);
  const scale = [0, 1].map((s) => (maxC[s] > 1e-6 ? p.maxConcentrations[s] / maxC[s] : 1));
  const ref = p.stainMatrix;
  const out = new Uint8Array(img.data.length);
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const c0 = c[i * 2] * scale[0];
    const c1 = c[i * 2 + 1] * scale[1];
    for (let ch = 0; ch < 3; ch++) {
      const v = p.io[ch] * Math.exp(-(ref[ch][0] * c0 + ref[ch][1] * c1)) - 1;
      out[i * 3 + ch] = Math.round(Math.min(255, Math.max(0, v)));
    }
  }
  return { data: out, width: img.width, height: img.height };
}

// ---------- one interface ----------

export async function fitStain(cfg: StainConfig): Promise<StainParams> {
  const ref = await decodeImage(cfg.reference);
  return cfg.method === 'reinhard' ? fitReinhard(ref, cfg.reference) : fitMacenko(ref, cfg.reference);
}

export type StainNormalizer = (img: RGBImage) => RGBImage;

export function stainNormalizer(p: StainParams): StainNormalizer {
  return p.method === 'reinhard' ? (img) => applyReinhard(img, p) : (img) => applyMacenko(img, p);
}

export async function writeStainParams(dir: string, p: StainParams): Promise<void> {
  await writeFile(join(dir, STAIN_FILE), JSON.stringify(p, null, 2) + '\n');
}

/** The normalisation stored with a model, or null when it was trained without one. */
export async function readStainParams(dir: string): Promise<StainParams | null> {
  const f = join(dir, STAIN_FILE);
  if (!existsSync(f)) return null;
  return StainParams.parse(parseJsonFile(await readFile(f, 'utf8'), f));
}
