import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tessella } from '../../helpers/cli.js';
import { tempHome } from '../../helpers/temp-home.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-cli-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
const svs = sharedPath(SLIDES.svs);
afterAll(() => home.cleanup());

describe('CLI conventions', () => {
  it('prints usage listing the commands', () => {
    const r = tessella(['--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tessella slide info');
    expect(r.stdout).toContain('tessella serve');
  });

  it('a missing file is one clear line on stderr, exit 1, nothing on stdout, no stack', () => {
    const r = tessella(['slide', 'info', join(home.dir, 'nope.svs'), '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tessella: .*nope\.svs/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--debug adds the stack trace', () => {
    const r = tessella(['slide', 'info', join(home.dir, 'nope.svs'), '--debug'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('unknown commands and bad options exit 2 with a hint', () => {
    const a = tessella(['slide', 'frobnicate'], env);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('tessella slide info');
    const b = tessella(['slide', 'region', 'x.svs', '--level', 'two', '--json'], env);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--level needs a number');
  });

  it('a text file named .svs names the supported formats', () => {
    const fake = join(home.dir, 'fake.svs');
    writeFileSync(fake, 'hello');
    const r = tessella(['slide', 'info', fake, '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SVS/);
    expect(r.stdout).toBe('');
  });
});

describe('tessella slide on CMU-1-Small-Region.svs', needs(svs), () => {
  it('slide info --json prints exactly one JSON document with the slide facts, and registers the slide', () => {
    const r = tessella(['slide', 'info', svs!, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ format: 'aperio', vendor: 'aperio', width: 2220, height: 2967, levelCount: 1, objectivePower: 20 });
    expect(info.levels).toEqual([{ width: 2220, height: 2967, downsample: 1 }]);
    expect(info.mpp.x).toBeCloseTo(0.499, 3);
    expect(info.associatedImages).toEqual(expect.arrayContaining(['thumbnail']));
    expect(info.properties['openslide.vendor']).toBe('aperio');
    const list = JSON.parse(tessella(['slide', 'list', '--json'], env).stdout);
    expect(list.map((s: { path: string }) => s.path)).toContain(svs);
  });

  it('slide region writes the requested pixels as PNG', async () => {
    const out = join(home.dir, 'region.png');
    const r = tessella(['slide', 'region', svs!, '--level', '0', '--x', '1000', '--y', '1200', '--width', '300', '--height', '200', '--out', out, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ width: 300, height: 200 });
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([300, 200, 'png']);
    expect((await sharp(out).stats()).channels[1].stdev).toBeGreaterThan(5);
  });

  it('slide dzi writes a DeepZoom pyramid', () => {
    const out = join(home.dir, 'dzi');
    const r = tessella(['slide', 'dzi', svs!, '--out', out, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const dzi = readFileSync(join(out, 'CMU-1-Small-Region.dzi'), 'utf8');
    expect(dzi).toContain('Width="2220"');
    expect(dzi).toContain('Height="2967"');
    const levels = readdirSync(join(out, 'CMU-1-Small-Region_files')).map(Number).sort((a, b) => a - b);
    expect(levels).toEqual(Array.from({ length: 13 }, (_, i) => i));
    // 2220 x 2967 at 254 px: 9 columns x 12 rows at full resolution.
    expect(readdirSync(join(out, 'CMU-1-Small-Region_files', '12'))).toHaveLength(9 * 12);
    expect(existsSync(join(out, 'CMU-1-Small-Region_files', '0', '0_0.jpeg'))).toBe(true);
  });
});
