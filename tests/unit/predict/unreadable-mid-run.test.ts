/**
 * An unreadable image in the middle of a long `features` run, while the session worker is still
 * computing the batch before it: the command ends with its one line and exit 1. This ended in a
 * segfault once (onnxruntime released in a worker thread overran the thread's 4 MB stack), so
 * the command runs several times over: the crash came from a race, not every time.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tessellaAsync } from '../../helpers/cli.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { needs } from '../../helpers/needs.js';
import { expectOneLineError } from './fixtures.js';

const home = tempHome('tessella-unreadable-mid-run-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

const patches = sharedPath('data/patches');
const backbone = sharedPath('oracle/fm/timm_vit_plain');

describe('an unreadable image in the middle of a run', needs(patches, backbone), () => {
  it('is one line and exit 1, never a crash, each time', { timeout: 600_000 }, async () => {
    // every patch of every set (class folders two levels down): about a hundred, some RGBA
    const below = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name));
    const images = below(patches!).flatMap(below).flatMap((dir) => readdirSync(dir).sort().map((f) => join(dir, f)));
    expect(images.length).toBeGreaterThan(60);
    const bad = join(home.dir, 'not-an-image.png');
    writeFileSync(bad, Buffer.from('this is text, not a PNG'.repeat(200)));
    const args = ['features', '--model', backbone!, '--out', join(home.dir, 'f.npy'), ...images, bad, ...images];
    for (let i = 0; i < 3; i++) {
      const r = await tessellaAsync(args, env, 300_000);
      expectOneLineError(r, 1, /not-an-image\.png: not a readable image/);
    }
  });
});
