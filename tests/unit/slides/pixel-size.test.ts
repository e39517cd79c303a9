/**
 * A pixel size typed in is the user's: stored with its source, told apart from the file's in the
 * contract (slides.setMpp, analysis.setSlideMpp), in `slide info --json` and in `slide mpp`.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SlideSummary } from '../../../src/shared/api';
import { mppText, mppWithSource } from '../../../src/shared/pixel-size';
import { tessella } from '../../helpers/cli.js';
import { inProcessContract } from '../../helpers/in-process-contract.js';
import { needs } from '../../helpers/needs.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';

const svs = sharedPath(SLIDES.svs);
const ihc = sharedPath(SLIDES.ihc);

describe('pixel size text', () => {
  it('names where the value comes from', () => {
    expect(mppWithSource({ x: 0.5, y: 0.5 }, 'user')).toBe('0.5 µm/px, set by the user');
    expect(mppWithSource({ x: 0.499, y: 0.499 }, 'file')).toBe('0.499 µm/px, from the file');
    expect(mppWithSource(null, null)).toBeNull();
    expect(mppText({ x: 0.25, y: 0.3 })).toBe('0.25 × 0.3 µm/px');
  });
});

describe('slides.setMpp and mppSource through the contract', { ...needs(svs, ihc), timeout: 60_000 }, () => {
  const c = inProcessContract('tessella-pixel-size-');

  it("a file's own pixel size is 'file'; a typed one wins, is 'user', and --clear goes back", async () => {
    const added = await c.call('slides.add', { paths: [svs!] });
    const id = added.added[0]!.id;
    expect(added.added[0]).toMatchObject({ mpp: { x: 0.499, y: 0.499 }, mppSource: 'file' });
    const changed: string[] = [];
    const off = c.ctx.events.onAny((name) => changed.push(name));
    const set = await c.call('slides.setMpp', { id, mpp: 0.52 });
    expect(set).toMatchObject({ id, mpp: { x: 0.52, y: 0.52 }, mppSource: 'user' });
    expect(changed).toContain('slides.changed');
    expect((await c.call('slides.get', { id })).mppSource).toBe('user');
    expect((await c.call('slides.list', {})).find((s: SlideSummary) => s.id === id)?.mppSource).toBe('user');
    const cleared = await c.call('slides.setMpp', { id, mpp: null });
    expect(cleared).toMatchObject({ mpp: { x: 0.499, y: 0.499 }, mppSource: 'file' });
    off();
  });

  it("a plain image has none (null) until one is typed in, through the analysis prompt's call too", async () => {
    const id = (await c.call('slides.add', { paths: [ihc!] })).added[0]!.id;
    expect(await c.call('slides.get', { id })).toMatchObject({ mpp: null, mppSource: null });
    await c.call('analysis.setSlideMpp', { slideId: id, mpp: 0.5 });
    expect(await c.call('slides.get', { id })).toMatchObject({ mpp: { x: 0.5, y: 0.5 }, mppSource: 'user' });
    expect((await c.call('slides.setMpp', { id, mpp: null })).mppSource).toBeNull();
  });

  it('refuses a value out of range and an unknown slide', async () => {
    await expect(c.call('slides.setMpp', { id: 1, mpp: 0 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(c.call('slides.setMpp', { id: 9999, mpp: 0.5 })).rejects.toMatchObject({ code: 'not-found' });
    expect(() => c.ctx.slides.setMpp(1, Number.NaN)).toThrow(/between 0\.01 and 100/);
  });
});

describe('tessella slide mpp', { ...needs(svs, ihc), timeout: 240_000 }, () => {
  const home = tempHome('tessella-slide-mpp-');
  const env = { TESSELLA_HOME: join(home.dir, 'home') };
  afterAll(() => home.cleanup());

  it('adds a path not yet in the library, marks the value as the user’s, and slide info says so', () => {
    const r = tessella(['slide', 'mpp', ihc!, '0.5', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ id: 1, path: ihc, mpp: { x: 0.5, y: 0.5 }, mppSource: 'user' });
    const info = JSON.parse(tessella(['slide', 'info', ihc!, '--json'], env).stdout);
    expect(info).toMatchObject({ mpp: { x: 0.5, y: 0.5 }, mppSource: 'user' });
  });

  it('takes a library id, prints the source for a human, and --clear removes the typed value', () => {
    const human = tessella(['slide', 'mpp', '1', '0.25'], env);
    expect(human.code).toBe(0);
    expect(human.stdout.trim()).toBe('skimage_ihc.png: 0.25 µm/px, set by the user');
    const cleared = tessella(['slide', 'mpp', '1', '--clear', '--json'], env);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ id: 1, mpp: null, mppSource: null });
    const svsInfo = JSON.parse(tessella(['slide', 'info', svs!, '--json'], env).stdout);
    expect(svsInfo).toMatchObject({ mpp: { x: 0.499, y: 0.499 }, mppSource: 'file' });
  });

  it('a bad value or an unknown id is one line on stderr with a non-zero exit', () => {
    const bad = tessella(['slide', 'mpp', '1', 'abc', '--json'], env);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/VALUE must be a pixel size/);
    const missing = tessella(['slide', 'mpp', '4242', '0.5'], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no slide with id 4242/);
    expect(tessella(['slide', 'mpp', '1'], env).code).toBe(2);
  });
});
