import { describe, expect, it } from 'vitest';
import { findDuplicates } from '../../../src/main/datasets/duplicates.js';
import { hashHalves, NEAR_DUPLICATE_BITS, popcount32 } from '../../../src/main/datasets/hashing.js';
import { seededRandom } from '../../../src/main/datasets/split.js';

const hex = (hi: number, lo: number) => (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

/** `base` with `bits` distinct random bits flipped. */
function flip(base: string, bits: number, random: () => number): string {
  let hi = parseInt(base.slice(0, 8), 16);
  let lo = parseInt(base.slice(8), 16);
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(random() * 64));
  for (const b of chosen) {
    if (b < 32) hi ^= 1 << b;
    else lo ^= 1 << (b - 32);
  }
  return hex(hi, lo);
}

describe('findDuplicates', () => {
  it('finds exactly the pairs brute force finds, including ones at the threshold', async () => {
    const random = seededRandom(5);
    const images: { sha256: string; phash: string }[] = [];
    for (let i = 0; i < 1500; i++) {
      const base = hex(random() * 2 ** 32, random() * 2 ** 32);
      images.push({ sha256: `s${i}`, phash: base });
      // every tenth gets a relative 9-12 bits away: some near, some not
      if (i % 10 === 0) images.push({ sha256: `s${i}b`, phash: flip(base, 9 + (i % 4), random) });
    }
    const flags = await findDuplicates(images);
    const n = images.length;
    const parent = Array.from({ length: n }, (_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    const h = images.map((im) => hashHalves(im.phash));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        if (popcount32(h[i][0] ^ h[j][0]) + popcount32(h[i][1] ^ h[j][1]) <= NEAR_DUPLICATE_BITS) parent[find(i)] = find(j);
      }
    }
    const size = new Map<number, number>();
    for (let i = 0; i < n; i++) size.set(find(i), (size.get(find(i)) ?? 0) + 1);
    for (let i = 0; i < n; i++) {
      expect(flags.cluster[i] >= 0, `image ${i}`).toBe(size.get(find(i))! > 1);
      if (flags.cluster[i] >= 0) expect(find(flags.cluster[i])).toBe(find(i));
    }
    expect(flags.near).toBeGreaterThan(50);
    expect(flags.exact).toBe(0);
  });

  it('tells exact copies from near ones and points each at an earlier image', async () => {
    const a = 'f0f0f0f0f0f0f0f0';
    const images = [
      { sha256: 'A', phash: a },
      { sha256: 'B', phash: flip(a, 4, seededRandom(1)) },
      { sha256: 'A', phash: a },
      { sha256: 'C', phash: '0f0f0f0f0f0f0f0f' },
      { sha256: 'B', phash: null as unknown as string },
    ];
    const f = await findDuplicates(images);
    expect([...f.duplicateOf]).toEqual([-1, 0, 0, -1, 1]);
    expect(f.kind).toEqual([null, 'near', 'exact', null, 'exact']);
    expect([f.exact, f.near]).toEqual([2, 1]);
    expect([...f.cluster]).toEqual([0, 0, 0, -1, 0]);
  });
});

describe('findDuplicates over the 8 orientations', () => {
  it('joins a pair when either image upright is near any orientation of the other, whichever comes first', async () => {
    const random = seededRandom(11);
    const rand = () => hex(random() * 2 ** 32, random() * 2 ** 32);
    const images: { sha256: string; phash: string }[] = [];
    for (let i = 0; i < 400; i++) images.push({ sha256: `s${i}`, phash: Array.from({ length: 8 }, rand).join('') });
    // copies: the upright hash of a copy lies 0-12 bits from some orientation of an earlier or later image
    for (let k = 0; k < 60; k++) {
      const target = images[Math.floor(random() * 400)].phash;
      const t = 1 + Math.floor(random() * 7);
      const rest = Array.from({ length: 7 }, rand).join('');
      images.splice(Math.floor(random() * images.length), 0, { sha256: `c${k}`, phash: flip(target.slice(16 * t, 16 * t + 16), k % 13, random) + rest });
    }
    const flags = await findDuplicates(images);
    const n = images.length;
    const parent = Array.from({ length: n }, (_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    const near = (a: string, b: string) => Array.from({ length: 8 }, (_, t) => b.slice(16 * t, 16 * t + 16)).some((h) => {
      const [ah, al] = hashHalves(a.slice(0, 16));
      const [bh, bl] = hashHalves(h);
      return popcount32(ah ^ bh) + popcount32(al ^ bl) <= NEAR_DUPLICATE_BITS;
    });
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (near(images[i].phash, images[j].phash) || near(images[j].phash, images[i].phash)) parent[find(i)] = find(j);
    const size = new Map<number, number>();
    for (let i = 0; i < n; i++) size.set(find(i), (size.get(find(i)) ?? 0) + 1);
    let grouped = 0;
    for (let i = 0; i < n; i++) {
      expect(flags.cluster[i] >= 0, `image ${i}`).toBe(size.get(find(i))! > 1);
      if (flags.cluster[i] >= 0) {
        expect(find(flags.cluster[i])).toBe(find(i));
        grouped++;
      }
    }
    // copies 0-10 bits away join (about 11 of every 13), the rest do not
    expect(grouped).toBeGreaterThan(80);
  });
});
