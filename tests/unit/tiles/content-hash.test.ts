import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash, sampledRanges } from '../../../src/main/slides/content-hash.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const MIB = 1 << 20;
const svs = sharedPath(SLIDES.svs);
const ndpi = sharedPath(SLIDES.ndpi);

describe('sampledRanges', () => {
  it('covers small files whole and big ones in 8 MiB-sized samples inside the file', () => {
    expect(sampledRanges(0)).toEqual([]);
    expect(sampledRanges(1000)).toEqual([[0, 1000]]);
    expect(sampledRanges(8 * MIB)).toEqual([[0, 8 * MIB]]);
    for (const size of [8 * MIB + 1, 50 * MIB + 12345, 7_000_000_000]) {
      const r = sampledRanges(size);
      expect(r).toHaveLength(8);
      expect(r[0]).toEqual([0, MIB]);
      expect(r[7]).toEqual([size - MIB, MIB]);
      for (const [off, len] of r) {
        expect(off).toBeGreaterThanOrEqual(0);
        expect(off + len).toBeLessThanOrEqual(size);
      }
    }
  });
});

describe('contentHash on real slides', needs(svs, ndpi), () => {
  it('is stable, differs between files, and hashes small files whole', async () => {
    const a = await contentHash(svs!);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await contentHash(svs!)).toBe(a);
    expect(await contentHash(ndpi!)).not.toBe(a);
    // under 8 MiB: size and every byte, with the versioned prefix
    const bytes = await readFile(svs!);
    const whole = createHash('sha256').update(`tessella-content-v1\0${bytes.length}\0`).update(bytes).digest('hex');
    expect(a).toBe(whole);
  });
});

describe('contentHash on a large file', () => {
  let dir = '';
  let file = '';
  const size = 64 * MIB + 4321;
  const poke = async (pos: number, value: number) => {
    const fh = await open(file, 'r+');
    await fh.write(Buffer.from([value]), 0, 1, pos);
    await fh.close();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessella-hash-'));
    file = join(dir, 'big.bin');
    const fh = await open(file, 'w');
    await fh.truncate(size); // sparse: costs no disk
    await fh.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('changes with the head, the tail, the sampled middle and the size, not with unsampled bytes', async () => {
    const base = await contentHash(file);
    const ranges = sampledRanges(size);
    await poke(100, 1);
    const head = await contentHash(file);
    expect(head).not.toBe(base);
    await poke(size - 10, 1);
    const tail = await contentHash(file);
    expect(tail).not.toBe(head);
    await poke(ranges[3][0] + 5, 1);
    const middle = await contentHash(file);
    expect(middle).not.toBe(tail);
    // the documented blind spot: a byte between samples
    const gap = ranges[1][0] + ranges[1][1] + 10;
    expect(ranges.some(([o, l]) => gap >= o && gap < o + l)).toBe(false);
    await poke(gap, 1);
    expect(await contentHash(file)).toBe(middle);

    const fh = await open(file, 'r+');
    await fh.truncate(size + 1);
    await fh.close();
    expect((await stat(file)).size).toBe(size + 1);
    expect(await contentHash(file)).not.toBe(middle);
  });
});
