/**
 * Shared set-up of the training tests: a copy of the LC25000 lung patches (3 classes x 30) in a
 * temp folder, optionally with an unreadable image among them, and helpers to read the CLI's
 * one JSON document.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { sharedPath } from '../../helpers/shared-data.js';

export const lung = sharedPath('data/patches/lc25000_lung');
export const vitTiny = sharedPath('oracle/vit_tiny');
export const resnetTiny = sharedPath('oracle/resnet_tiny');

/** A copy of the lung patches under `dir`; with `corrupt`, lung_n/corrupt.jpeg is a JPEG header followed by noise. */
export function lungCopy(dir: string, corrupt = false): { dir: string; corrupt: string | null } {
  const out = join(dir, 'lung');
  cpSync(lung!, out, { recursive: true, filter: (src) => !src.endsWith('.csv') });
  if (!corrupt) return { dir: out, corrupt: null };
  const bad = join(out, 'lung_n', 'corrupt.jpeg');
  const noise = Buffer.alloc(4096);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  writeFileSync(bad, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]), noise]));
  return { dir: out, corrupt: bad };
}

/** stdout must be exactly one JSON document and nothing else. */
export function oneJson(stdout: string): any {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]);
}
