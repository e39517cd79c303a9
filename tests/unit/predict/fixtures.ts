/** Shared pieces of the predict tests: the oracle folders, their expected outputs, a JSON CLI run. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tessella, type CliResult } from '../../helpers/cli.js';
import { sharedPath } from '../../helpers/shared-data.js';

export const ORACLE = { vit: sharedPath('oracle/vit_tiny'), resnet: sharedPath('oracle/resnet_tiny') };
export const LUNG = sharedPath('data/patches/lc25000_lung');

/** For tests that start several CLI processes: each is a cold start, slow on a busy machine. */
export const MULTI_RUN_TIMEOUT = 300_000;

/** Logits tolerance for the tiny oracle checkpoints (../shared/oracle/README.md). */
export const TOL = 1e-4;

export interface Expected {
  logits: number[][];
  labels: string[];
  softmax: number[][];
}

export function expected(dir: string): Expected {
  return JSON.parse(readFileSync(join(dir, 'logits.json'), 'utf8')) as Expected;
}

export function readF32(dir: string, file: string): Float32Array {
  const b = readFileSync(join(dir, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = d; // NaN counts as a failure
  }
  return m;
}

/** Runs the CLI and parses its one JSON document, failing with stderr when it did not succeed. */
export function tessellaJson<T = unknown>(args: string[], env: Record<string, string>): T {
  const r = tessella([...args, '--json'], env, 300_000);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A failed run: one line on stderr, nothing on stdout, no stack and no minified source. */
export function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr.slice(0, 2000)).toHaveLength(1);
  expect(lines[0]).toMatch(/^tessella: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]!.length).toBeLessThan(600);
}
