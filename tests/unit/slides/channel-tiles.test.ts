/**
 * A QPTIFF keeps a page per channel; each channel is served as grey tiles of its own, carrying
 * that channel's pixels exactly (lossless PNG), through the same resource paths the viewer uses.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../../src/main/app-context';
import { loadResource } from '../../../src/main/resources';
import { parseResourcePath, resourcePaths } from '../../../src/shared/resources';
import { makePatternQptiff, mismatches, PATTERN_QPTIFF, patternValue, tileColumns } from '../../helpers/make-fluorescence';
import { tempHome } from '../../helpers/temp-home';

const home = tempHome('tessella-channel-tiles-');
let ctx: AppContext;
let id: number;

beforeAll(async () => {
  ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
  id = (await ctx.slides.ensure(await makePatternQptiff())).id;
});
afterAll(() => {
  ctx?.close();
  home.cleanup();
});

async function grey(path: string): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const r = await loadResource(ctx, path);
  expect(r.contentType).toBe('image/png');
  const { channels } = await sharp(r.body).metadata();
  // sharp hands grey out as RGB unless told which band
  const { data, info } = await sharp(r.body).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: channels! };
}

describe('channel tiles of a QPTIFF', { timeout: 60_000 }, () => {
  it('have a resource path of their own, parsed back exactly', () => {
    expect(parseResourcePath(resourcePaths.channelTile(7, 2, 11, 3, 4))).toEqual({ kind: 'channelTile', slideId: 7, channel: 2, level: 11, col: 3, row: 4, bits: 8 });
    expect(parseResourcePath(resourcePaths.channelTile(7, 2, 11, 3, 4, 16))).toEqual({ kind: 'channelTile', slideId: 7, channel: 2, level: 11, col: 3, row: 4, bits: 16 });
    expect(resourcePaths.channelTile(7, 2, 11, 3, 4, 16)).toBe('tiles/7/c2/11/3_4.u16.png');
    expect(parseResourcePath('tiles/7/c2/11/3_4.u8.png')).toBeNull();
    expect(parseResourcePath('tiles/7/c2/11/3_4.jpeg')).toBeNull();
    expect(parseResourcePath('tiles/7/c/11/3_4.png')).toBeNull();
    expect(parseResourcePath(resourcePaths.tile(7, 11, 3, 4))).toMatchObject({ kind: 'tile' });
  });

  it('the slide says its channels have tiles of their own', () => {
    const d = ctx.slides.detail(id);
    expect(d.imageType).toBe('fluorescence');
    expect(d.channels.map((c) => [c.name, c.color])).toEqual(PATTERN_QPTIFF.channels.map((c) => [c.name, c.hex]));
    expect(d.channelTiles).toBe(true);
  });

  it("each channel's full-resolution tiles hold exactly that channel's pixels", async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    const top = dz.levelCount - 1;
    for (let c = 0; c < 3; c++) {
      for (const { col, left } of tileColumns(dz)) {
        const t = await grey(resourcePaths.channelTile(id, c, top, col, 0));
        expect(t.channels).toBe(1);
        expect(mismatches(t, (x, y) => patternValue(c, left + x, y)), `channel ${c} tile ${col}_0`).toBe(0);
      }
    }
  });

  it('a reduced level comes from the channel\'s own reduced page', async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    // One level down is the half-size pages, read as written (every other pixel of the full level).
    const t = await grey(resourcePaths.channelTile(id, 2, dz.levelCount - 2, 0, 0));
    expect([t.width, t.height]).toEqual([255, 200]);
    let mismatches = 0;
    for (let y = 0; y < t.height; y++) for (let x = 0; x < t.width; x++) if (t.data[y * t.width + x] !== patternValue(2, 2 * x, 2 * y)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('the ordinary tiles still show the first channel, and a channel the slide lacks is refused', async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    const r = await loadResource(ctx, resourcePaths.tile(id, dz.levelCount - 1, 0, 0));
    expect(r.contentType).toBe('image/jpeg');
    const { data, info } = await sharp(r.body).raw().toBuffer({ resolveWithObject: true });
    // left third is channel 0's bright ramp, the middle third its dark background
    expect(data[(10 * info.width + 20) * info.channels]).toBeGreaterThan(90);
    expect(data[(10 * info.width + 250) * info.channels]).toBeLessThan(20);
    await expect(loadResource(ctx, resourcePaths.channelTile(id, 3, dz.levelCount - 1, 0, 0))).rejects.toMatchObject({ status: 400 });
  });

  it('the thumbnail mixes every channel in its colour, each auto-contrasted', async () => {
    const r = await loadResource(ctx, resourcePaths.thumbnail(id));
    const { data, info } = await sharp(r.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([512, 341]);
    const at = (fx: number) => {
      const o = (Math.floor(info.height / 2) * info.width + Math.floor(fx * info.width)) * 3;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    };
    // Sampled across each third: DAPI blue, CD8 green, PD-L1 red, each lit and alone.
    for (const [fx, k] of [[0.05, 2], [0.3, 2], [0.4, 1], [0.6, 1], [0.7, 0], [0.95, 0]] as const) {
      const rgb = at(fx);
      const max = Math.max(...rgb);
      expect(rgb[k], `${fx}: ${rgb}`).toBe(max);
      expect(rgb.filter((_, j) => j !== k).every((v) => v < 40), `${fx}: ${rgb}`).toBe(true);
    }
    // The ramp reaches full brightness somewhere in each third (stretched, not the raw 100-199).
    const brightest = [0, 0, 0];
    for (let p = 0; p < data.length; p += 3) for (let k = 0; k < 3; k++) brightest[k] = Math.max(brightest[k]!, data[p + k]!);
    expect(brightest.every((v) => v > 240)).toBe(true);
  });
});
