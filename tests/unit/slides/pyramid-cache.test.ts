/**
 * The pyramid cache after a crash: a build is written under a temp name and renamed, and the
 * temp files of builds whose process is gone are removed before the next build; a live
 * process's build in progress is left alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePyramid, removeStaleTemps } from '../../../src/main/slides/pyramid-cache.js';
import { readTiffPages } from '../../../src/main/slides/tiff-directory.js';
import { syntheticDir, testPicture } from '../../helpers/make-slides.js';
import { repoRoot } from '../../helpers/shared-data.js';

const work = mkdtempSync(join(tmpdir(), 'tessella-pyramid-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const pyramids = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tif'));

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('temp files of dead builds', () => {
  let small: string;
  let sleeper: ChildProcess;
  beforeAll(async () => {
    small = join(work, 'small.png');
    await sharp(testPicture(300, 200), { raw: { width: 300, height: 200, channels: 3 } }).png().toFile(small);
    sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
  });
  afterAll(() => sleeper.kill('SIGKILL'));

  it('are removed before the next build; a live process’s build is kept', async () => {
    const cache = join(work, 'simulated');
    await ensurePyramid({ path: small, page: 0, lossy: false, limitInputPixels: 1e6 }, cache);
    const key = pyramids(cache)[0]!;
    const dead = `${key}.${deadPid()}.0badc0de.tmp`;
    const live = `${key}.${sleeper.pid}.1badc0de.tmp`;
    writeFileSync(join(cache, dead), 'half a pyramid');
    writeFileSync(join(cache, live), 'a build in progress');
    writeFileSync(join(cache, 'notes.tmp'), 'not ours');

    expect(await removeStaleTemps(cache)).toEqual([join(cache, dead)]);
    expect(temps(cache).sort()).toEqual([live, 'notes.tmp'].sort());

    sleeper.kill('SIGKILL');
    await exited(sleeper);
    // A new build (another image) cleans up first.
    const other = join(work, 'other.png');
    await sharp(testPicture(200, 300), { raw: { width: 200, height: 300, channels: 3 } }).png().toFile(other);
    await ensurePyramid({ path: other, page: 0, lossy: false, limitInputPixels: 1e6 }, cache);
    expect(temps(cache)).toEqual(['notes.tmp']);
    expect(pyramids(cache)).toHaveLength(2);
  });
});

describe('a build killed with SIGKILL', { timeout: 180_000 }, () => {
  let src: string;
  beforeAll(async () => {
    // 36 million pixels: the conversion takes seconds, long enough to be caught in the act.
    const side = 6000;
    src = join(syntheticDir, `pyramid-kill-source-${side}.png`);
    const tile = testPicture(512, 512);
    await sharp(tile, { raw: { width: 512, height: 512, channels: 3 } })
      .extend({ right: side - 512, bottom: side - 512, extendWith: 'repeat' })
      .png({ compressionLevel: 1 })
      .toFile(src);
  });

  it('leaves a .tmp that the next build removes, and the next build completes', async () => {
    const cache = join(work, 'killed');
    const code = `const m = await import(${JSON.stringify(join(repoRoot, 'src/main/slides/pyramid-cache.ts'))});
      await m.ensurePyramid({ path: ${JSON.stringify(src)}, page: 0, lossy: false, limitInputPixels: 268402689 }, ${JSON.stringify(cache)});`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repoRoot, stdio: 'ignore' });
    // Wait for the build to start writing, then kill it mid-build.
    let seen: string[] = [];
    while (child.exitCode === null && child.signalCode === null) {
      try {
        seen = temps(cache);
      } catch {
        // the cache folder does not exist yet
      }
      if (seen.length) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen, 'the child finished before its build could be killed').toHaveLength(1);
    child.kill('SIGKILL');
    await exited(child);
    expect(temps(cache)).toEqual(seen);
    expect(pyramids(cache)).toEqual([]);

    const built = await ensurePyramid({ path: src, page: 0, lossy: false, limitInputPixels: 268402689 }, cache);
    expect(temps(cache)).toEqual([]);
    expect(pyramids(cache)).toHaveLength(1);
    const pages = await readTiffPages(built, 'pyramid');
    expect([pages[0]!.width, pages[0]!.height, pages[0]!.tiled]).toEqual([6000, 6000, true]);
  });
});
