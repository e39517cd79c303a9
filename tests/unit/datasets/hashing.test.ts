import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { hammingDistance, NEAR_DUPLICATE_BITS, perceptualHash, popcount32 } from '../../../src/main/datasets/hashing.js';
import { ImageProblem, mppFromDensity, readImageFacts } from '../../../src/main/datasets/image-facts.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');

function lungFiles(root: string): string[] {
  return ['lung_aca', 'lung_n', 'lung_scc'].flatMap((c) => readdirSync(join(root, c)).map((f) => join(root, c, f)));
}

describe('hash primitives', () => {
  it('popcount and Hamming distance count differing bits', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('00000000000000f0', '0000000100000000')).toBe(5);
  });

  it('pHash ignores overall brightness (DC) and flips when the picture is mirrored', () => {
    const grad = Buffer.alloc(32 * 32);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) grad[y * 32 + x] = 4 * x + ((x * y) % 7);
    const brighter = Buffer.from(grad.map((v) => v + 60));
    const mirrored = Buffer.alloc(32 * 32);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) mirrored[y * 32 + x] = grad[y * 32 + 31 - x];
    expect(hammingDistance(perceptualHash(grad), perceptualHash(brighter))).toBe(0);
    expect(hammingDistance(perceptualHash(grad), perceptualHash(mirrored))).toBeGreaterThan(NEAR_DUPLICATE_BITS);
  });

  it('resolution tags count as mpp only when they describe a microscope', () => {
    expect(mppFromDensity(72)).toBeNull();
    expect(mppFromDensity(600)).toBeNull();
    expect(mppFromDensity(50_800)).toBeCloseTo(0.5, 10);
    expect(mppFromDensity(undefined)).toBeNull();
  });
});

describe('image facts on LC25000 patches', needs(lung), () => {
  const files = lung ? lungFiles(lung) : [];

  it('re-encoded copies stay within the near-duplicate distance; different patches do not', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tessella-hash-'));
    try {
      const facts = await Promise.all(files.map((f) => readImageFacts(f)));
      for (const f of facts) {
        expect(f.width).toBe(f.height);
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(f.phash).toMatch(/^[0-9a-f]{16}$/);
      }
      let closePairs = 0;
      for (let i = 0; i < facts.length; i++) for (let j = i + 1; j < facts.length; j++) if (hammingDistance(facts[i].phash, facts[j].phash) <= NEAR_DUPLICATE_BITS) closePairs++;
      expect(closePairs).toBe(0);
      // every tenth patch: JPEG q55, a PNG round trip, and 10% smaller
      for (let i = 0; i < files.length; i += 10) {
        const base = facts[i];
        const variants = [
          await sharp(files[i]).jpeg({ quality: 55 }).toBuffer(),
          await sharp(files[i]).png().toBuffer(),
          await sharp(files[i]).resize(Math.round(base.width * 0.9)).jpeg({ quality: 90 }).toBuffer(),
        ];
        for (const [k, v] of variants.entries()) {
          const p = join(tmp, `${i}-${k}.img`);
          writeFileSync(p, v);
          const f = await readImageFacts(p);
          expect(f.sha256).not.toBe(base.sha256);
          expect(hammingDistance(f.phash, base.phash), `${files[i]} variant ${k}`).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reports empty, truncated, garbage and missing files with a reason', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tessella-bad-'));
    try {
      const cases: [string, Buffer | null, RegExp][] = [
        ['empty.jpeg', Buffer.alloc(0), /empty file/],
        ['truncated.jpeg', readFileSync(files[0]).subarray(0, 4000), /corrupt or truncated/],
        ['text.png', Buffer.from('not an image at all'), /not a readable image/],
        ['missing.jpeg', null, /file not found/],
      ];
      for (const [name, bytes, reason] of cases) {
        const p = join(tmp, name);
        if (bytes) writeFileSync(p, bytes);
        const err = await readImageFacts(p).then(() => null, (e) => e);
        expect(err, name).toBeInstanceOf(ImageProblem);
        expect(err.reason, name).toMatch(reason);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reads mpp from TIFF resolution tags written in pixels per centimetre', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tessella-mpp-'));
    try {
      const p = join(tmp, 'patch.tif');
      // sharp takes xres in pixels per millimetre: 2000 px/mm = 0.5 µm per pixel
      await sharp(files[0]).tiff({ xres: 2000, yres: 2000, resolutionUnit: 'cm' }).toFile(p);
      expect((await readImageFacts(p)).mpp).toBeCloseTo(0.5, 6);
      expect((await readImageFacts(files[0])).mpp).toBeNull();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
