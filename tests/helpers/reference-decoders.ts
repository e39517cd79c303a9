/**
 * Independent decoders the slide tests compare against: OpenSlide through the system Python
 * binding, the `vips` command line, and DCMTK's dcmj2pnm (its own IJG JPEG decoder).
 * Each returns RGBA so results compare byte for byte with a SlideReader's output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbaImage } from '../../src/main/slides/reader.js';

/** Debian's python3 carries python3-openslide; the pyenv one first on PATH does not. */
const SYSTEM_PYTHON = '/usr/bin/python3';

const PY = `
import sys, openslide
s = openslide.OpenSlide(sys.argv[1])
if sys.argv[2] == 'region':
    x, y, level, w, h = map(int, sys.argv[3:8])
    im = s.read_region((x, y), level, (w, h))
else:
    im = s.associated_images[sys.argv[3]]
im = im.convert('RGBA')
sys.stderr.write('%d %d' % im.size)
sys.stdout.buffer.write(im.tobytes())
`;

function runPython(args: string[]): RgbaImage {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', PY, ...args], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`python openslide failed: ${r.stderr.toString()}`);
  const [width, height] = r.stderr.toString().trim().split(' ').map(Number);
  return { width, height, data: r.stdout };
}

/** openslide-python's read_region (level-0 x, y; size at `level`), RGBA non-premultiplied. */
export function pythonOpenSlideRegion(path: string, level: number, x: number, y: number, w: number, h: number): RgbaImage {
  return runPython([path, 'region', String(x), String(y), String(level), String(w), String(h)]);
}

export function pythonOpenSlideAssociated(path: string, name: string): RgbaImage {
  return runPython([path, 'associated', name]);
}

async function pngToRgba(file: string): Promise<RgbaImage> {
  const { data, info } = await sharp(file).toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** `vips extract_area` of the file, written losslessly as PNG and read back. */
export async function vipsExtractArea(path: string, x: number, y: number, w: number, h: number): Promise<RgbaImage> {
  const dir = mkdtempSync(join(tmpdir(), 'tessella-vips-'));
  try {
    const out = join(dir, 'area.png');
    execFileSync('vips', ['extract_area', path, out, String(x), String(y), String(w), String(h)]);
    return await pngToRgba(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Frame `frame` (1-based) decoded by DCMTK. +cg makes it convert YCbCr to RGB whenever the
 * JPEG stream says YCbCr, whatever PhotometricInterpretation claims (as libjpeg does).
 */
export async function dcmtkFrame(path: string, frame: number): Promise<RgbaImage> {
  const dir = mkdtempSync(join(tmpdir(), 'tessella-dcmtk-'));
  try {
    const out = join(dir, 'frame.png');
    execFileSync('dcmj2pnm', ['+cg', '--frame', String(frame), '+on', path, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    return await pngToRgba(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Copy the (x, y, w, h) part of an RGBA image. */
export function crop(img: RgbaImage, x: number, y: number, w: number, h: number): Buffer {
  const out = Buffer.alloc(w * h * 4);
  for (let row = 0; row < h; row++) {
    const from = ((y + row) * img.width + x) * 4;
    img.data.copy(out, row * w * 4, from, from + w * 4);
  }
  return out;
}

/** Largest and mean absolute difference between two equally sized byte buffers. */
export function pixelDiff(a: Buffer, b: Buffer): { max: number; mean: number } {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}
