/**
 * Adding a folder does what it says: every readable format is found (a .qptiff too), every file
 * passed over is listed with why, and a folder of many plain images (a patch set) is held back
 * until asked for, instead of filling the library with hundreds of "slides".
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLAIN_IMAGES_WITHOUT_ASKING } from '../../../src/main/slides/library.js';
import { tessella } from '../../helpers/cli.js';
import { needs, has } from '../../helpers/needs.js';
import { sharedPath, SLIDES } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { oneJson } from '../train/fixtures.js';

const svs = sharedPath(SLIDES.svs);
const lung = sharedPath('data/patches/lc25000_lung');
const home = tempHome('tessella-add-folder-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

describe('slide add FOLDER', needs(svs, lung, has.openslide), () => {
  const dir = join(home.dir, 'incoming');
  mkdirSync(join(dir, 'patches'), { recursive: true });
  copyFileSync(svs!, join(dir, 'case-1.svs'));
  // a TIFF under Akoya's extension: found by the scan, opened by its content
  copyFileSync(svs!, join(dir, 'case-2.qptiff'));
  writeFileSync(join(dir, 'notes.txt'), 'scanned 2026-11-30');
  writeFileSync(join(dir, 'README'), 'no extension');
  const jpegs = readdirSync(join(lung!, 'lung_aca')).slice(0, PLAIN_IMAGES_WITHOUT_ASKING + 5);
  for (const f of jpegs) copyFileSync(join(lung!, 'lung_aca', f), join(dir, 'patches', f));

  it('adds the slides, lists what it skipped with why, and holds back the patch set', () => {
    const r = tessella(['slide', 'add', dir, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = oneJson(r.stdout);
    expect(out.added.map((s: any) => s.path.split('/').pop()).sort()).toEqual(['case-1.svs', 'case-2.qptiff']);
    expect(out.errors).toEqual([]);
    expect(out.skipped).toEqual([
      { path: join(dir, 'notes.txt'), reason: '.txt is not a slide format Tessella reads' },
      { path: join(dir, 'README'), reason: 'no file extension to tell its format by' },
    ]);
    expect(out.heldImages).toEqual([{ folder: dir, count: jpegs.length }]);
    expect(r.stderr).toMatch(new RegExp(`held back ${jpegs.length} plain images in ${dir}`));
  });

  it('adds the held images when asked (--images); the slides already in stay as they are', () => {
    const out = oneJson(tessella(['slide', 'add', dir, '--images', '--json'], env).stdout);
    expect(out.added).toHaveLength(jpegs.length);
    expect(out.existing).toHaveLength(2);
    expect(out.heldImages).toEqual([]);
  });

  it('a few plain images are added without asking', () => {
    const few = join(home.dir, 'few');
    mkdirSync(few);
    for (const f of jpegs.slice(0, 3)) copyFileSync(join(lung!, 'lung_aca', f), join(few, `copy-${f}`));
    const out = oneJson(tessella(['slide', 'add', few, '--json'], env).stdout);
    expect(out.added).toHaveLength(3);
    expect(out.heldImages).toEqual([]);
  });
});
