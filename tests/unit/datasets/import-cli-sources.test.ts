/**
 * `tessella dataset import` on what its help promises: a CSV given as the source, a relative
 * `--csv` found inside the image folder, one clear line for a source that is not there, and an
 * image libvips refuses on a warning reported by the warning itself (not by sharp's "Warning
 * treated as error" preamble).
 */
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure } from '../../../src/main/datasets/image-facts.js';
import { sharpFailureReason } from '../../../src/main/slides/pixel-limit.js';
import { tessella } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { expectOneLineError } from '../predict/fixtures.js';

const lung = sharedPath('data/patches/lc25000_lung');
const home = tempHome('tessella-ds-sources-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

function oneJson(stdout: string): any {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

/**
 * A real patch as a JPEG-compressed TIFF with 30 bytes of its tile data scrambled: libjpeg only
 * warns about it, and sharp's strict default turns the warning into an error.
 */
async function warnedTiff(from: string, to: string): Promise<void> {
  const b = Buffer.from(await sharp(from).tiff().toBuffer());
  const at = Math.floor(b.length / 2);
  for (let i = at; i < at + 30; i++) b[i] ^= 0x5a;
  writeFileSync(to, b);
}

describe('dataset import sources', { ...needs(lung), timeout: 300_000 }, () => {
  let dir: string;

  beforeAll(() => {
    dir = join(home.dir, 'patches');
    const rows: string[] = [];
    for (const c of ['lung_aca', 'lung_n']) {
      mkdirSync(join(dir, c), { recursive: true });
      for (const f of readdirSync(join(lung!, c)).sort().slice(0, 4)) {
        cpSync(join(lung!, c, f), join(dir, c, f));
        rows.push(`${c}/${f},${c}`);
      }
    }
    writeFileSync(join(dir, 'labels.csv'), ['path,label', ...rows].join('\n') + '\n');
  });

  it('takes a CSV file as its argument, its rows relative to the CSV\'s folder', () => {
    const r = tessella(['dataset', 'import', join(dir, 'labels.csv'), '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJson(r.stdout)).toMatchObject({ name: 'labels', images: 8, classes: { lung_aca: 4, lung_n: 4 }, errors: [] });
  });

  it('finds a relative --csv inside the image folder when it is not in the current one', () => {
    // the CLI helper runs in the repository root, where no labels.csv lies
    const r = tessella(['dataset', 'import', dir, '--csv', 'labels.csv', '--name', 'relative', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJson(r.stdout)).toMatchObject({ name: 'relative', images: 8 });
  });

  it('says in one line which CSV or folder is missing', () => {
    expectOneLineError(tessella(['dataset', 'import', dir, '--csv', 'nope.csv', '--name', 'x'], env), 1, /nope\.csv: no such CSV file \(looked in the current folder and in .*patches\)/);
    expectOneLineError(tessella(['dataset', 'import', join(home.dir, 'nowhere'), '--name', 'x'], env), 1, /nowhere: no such folder or CSV file/);
    expectOneLineError(tessella(['dataset', 'import', join(dir, 'labels.csv'), '--csv', 'labels.csv'], env), 2, /labels\.csv is a file: give the image folder with --csv, or the CSV alone/);
  });

  it('reports an image libvips refuses on a warning by that warning, in one line naming the file', async () => {
    const withBad = join(home.dir, 'with-bad');
    cpSync(dir, withBad, { recursive: true, filter: (s) => !s.endsWith('.csv') });
    const bad = join(withBad, 'lung_n', 'damaged.tif');
    await warnedTiff(join(dir, 'lung_n', readdirSync(join(dir, 'lung_n')).sort()[0]!), bad);
    // the message sharp gives for this file, as it is
    const raw = await sharp(bad).raw().toBuffer().then(() => '', (e: Error) => e.message);
    expect(raw.split('\n')[0]).toBe('Warning treated as error due to failOn setting');

    const r = tessella(['dataset', 'import', withBad, '--name', 'with-bad', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const s = oneJson(r.stdout);
    expect(s.images).toBe(8);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0].path).toBe(bad);
    expect(s.errors[0].reason).not.toMatch(/treated as error/i);
    // the warning itself when sharp passes it on (it does for a plain decode, not for every pipeline)
    expect(s.errors[0].reason).toMatch(/^corrupt or truncated image: (Corrupt JPEG data|the decoder reported damaged data)/);
    const text = tessella(['dataset', 'import', withBad, '--name', 'with-bad'], env);
    expect(text.code, text.stderr).toBe(0);
    const line = text.stdout.split('\n').filter((l) => l.includes('damaged.tif'));
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(/damaged\.tif: corrupt or truncated image: [^\n]*; left out$/);
    expect(line[0]).not.toMatch(/treated as error/i);
  });

  it('reads the reason from the lines sharp gives', () => {
    expect(sharpFailureReason('Warning treated as error due to failOn setting\nCorrupt JPEG data: 4 extraneous bytes before marker 0xd9\nerror in tile 0 x 0')).toBe(
      'Corrupt JPEG data: 4 extraneous bytes before marker 0xd9',
    );
    expect(sharpFailureReason('Warning treated as error due to failOn setting')).toBe('the decoder reported damaged data');
    expect(sharpFailureReason('VipsJpeg: premature end of JPEG image')).toBe('VipsJpeg: premature end of JPEG image');
    expect(describeFailure(new Error('Warning treated as error due to failOn setting\nVipsPng: bad CRC'))).toBe('corrupt or truncated image: VipsPng: bad CRC');
  });
});
