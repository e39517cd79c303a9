/**
 * `tessella slide infer` with its data home on a full file system (a 2 MB tmpfs, mostly filled):
 * one line naming the disk and exit 1. It used to abort natively (exit 134, napi_throw from
 * koffi): the command exited while the worker's tile readers still had OpenSlide reads in
 * flight. Mounting needs root (CI runs as root); elsewhere the test says why it is skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tessella } from '../../helpers/cli.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { expectOneLineError } from '../predict/fixtures.js';
import { need, needs } from '../../helpers/needs.js';

const ndpi = sharedPath(SLIDES.ndpi);
const vitTiny = sharedPath('oracle/vit_tiny');
const work = mkdtempSync(join(tmpdir(), 'tessella-full-disk-'));
const mountPoint = join(work, 'tiny');

/** Mounts a 2 MB tmpfs at mountPoint; the reason it cannot, or null. */
function mountTiny(): string | null {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a 2 MB tmpfs needs root (CI runs as root)';
  mkdirSync(mountPoint, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { encoding: 'utf8' });
  return r.status === 0 ? null : `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
}

const cannotMount = ndpi && vitTiny ? mountTiny() : null;
const tinyDisk = need('mount', `full-disk test: ${cannotMount}`, () => cannotMount === null);

afterAll(() => {
  if (ndpi && vitTiny && !cannotMount) spawnSync('umount', ['-l', mountPoint]);
  rmSync(work, { recursive: true, force: true });
});

describe('slide infer on a full disk', { ...needs(ndpi, vitTiny, tinyDisk), timeout: 300_000 }, () => {
  // Free space left before the run: enough for the database to start and the engine to be
  // cached, not for the predictions (the case that aborted), and almost none at all.
  it.each([600, 20])('with about %i kB free: one line naming the disk, exit 1', (freeKb) => {
    rmSync(join(mountPoint, 'home'), { recursive: true, force: true });
    rmSync(join(mountPoint, 'filler'), { force: true });
    writeFileSync(join(mountPoint, 'filler'), Buffer.alloc((2048 - freeKb) * 1024));
    const home = join(mountPoint, 'home');
    // the NDPI is a fluorescence scan: the brightfield test model runs on it only when asked
    const r = tessella(['slide', 'infer', ndpi!, '--model', vitTiny!, '--mpp', '0.25', '--slide-mpp', '0.25', '--allow-image-type-mismatch'], { TESSELLA_HOME: home }, 240_000);
    expect(r.stderr).not.toMatch(/FATAL|napi_|Native stack/);
    expectOneLineError(r, 1, new RegExp(`^tessella: no space left on the device: ${home.replace(/[.]/g, '\\.')}`));
  });
});
