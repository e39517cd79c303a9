/**
 * Seeded random initialisation. Each tensor gets its own generator seeded from
 * fnv1a32("<seed>:<tensor name>") (the scheme the golden checkpoints use), so a tensor's values
 * depend only on the seed and its name, never on which other tensors were created before it.
 */

export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The usual JS mulberry32; returns uniform floats in [0, 1) with 24 random bits. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 8) / 16777216;
  };
}

export function tensorRng(seed: number, name: string): () => number {
  return mulberry32(fnv1a32(`${seed}:${name}`));
}

/** Standard normal draws (Box-Muller on two uniforms). */
function normal(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - rand(); // (0, 1]: log stays finite
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * torch.nn.init.trunc_normal_(std=std) as transformers calls it: bounds a=-2, b=2 are absolute,
 * so for std 0.02 nothing is actually cut; values outside are redrawn.
 */
export function truncNormal(n: number, std: number, rand: () => number, a = -2, b = 2): Float32Array {
  const out = new Float32Array(n);
  const draw = normal(rand);
  for (let i = 0; i < n; i++) {
    let x: number;
    do x = draw() * std;
    while (x < a || x > b);
    out[i] = x;
  }
  return out;
}

export function normalInit(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  const draw = normal(rand);
  for (let i = 0; i < n; i++) out[i] = draw() * std;
  return out;
}

export function uniformInit(n: number, bound: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rand() - 1) * bound;
  return out;
}

export function constantInit(n: number, value: number): Float32Array {
  return new Float32Array(n).fill(value);
}
