/**
 * A 16-bit multi-channel QPTIFF: each channel's tiles carry its samples exactly, packed two bytes
 * a pixel (R high, G low) in a lossless RGB PNG that the viewer unpacks (unpackSamples) and mixes
 * with each channel's range in 16-bit units. Dim signal below 256 survives: the 8-bit tiles,
 * which still exist, keep only the top byte.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../../src/main/app-context';
import { SlidesRepo } from '../../../src/main/store/slides-repo';
import { loadResource } from '../../../src/main/resources';
import { resourcePaths } from '../../../src/shared/resources';
import { compositeChannels, greyHistogram, unpackSamples, valueScale } from '../../../src/renderer/src/viewer/channelDisplay';
import { makePattern16Qptiff, PATTERN16_QPTIFF, pattern16Value } from '../../helpers/make-fluorescence';
import { tempHome } from '../../helpers/temp-home';

const home = tempHome('tessella-channel-tiles-16-');
let ctx: AppContext;
let id: number;

beforeAll(async () => {
  ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
  id = (await ctx.slides.ensure(await makePattern16Qptiff())).id;
});
afterAll(() => {
  ctx?.close();
  home.cleanup();
});

/** A served tile as the browser's canvas hands it over: RGBA bytes. */
async function rgba(path: string): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const r = await loadResource(ctx, path);
  expect(r.contentType).toBe('image/png');
  const meta = await sharp(r.body).metadata();
  const { data, info } = await sharp(r.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(meta.depth).toBe('uchar');
  return { data, width: info.width, height: info.height, channels: meta.channels! };
}

describe('16-bit channel tiles', { timeout: 60_000 }, () => {
  it('the slide says each channel is 16-bit and has tiles of its own', () => {
    const d = ctx.slides.detail(id);
    expect(d.imageType).toBe('fluorescence');
    expect(d.channelTiles).toBe(true);
    expect(d.channels.map((c) => [c.name, c.color, c.bits])).toEqual(PATTERN16_QPTIFF.channels.map((c) => [c.name, c.hex, 16]));
  });

  it('every full-resolution tile pixel of every channel reconstructs to the exact 16-bit value written', async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    const top = dz.levelCount - 1;
    const cols = Math.ceil(dz.width / dz.tileSize);
    const rows = Math.ceil(dz.height / dz.tileSize);
    for (let c = 0; c < 3; c++) {
      for (let row = 0; row < rows; row++)
        for (let col = 0; col < cols; col++) {
          const t = await rgba(resourcePaths.channelTile(id, c, top, col, row, 16));
          expect(t.channels).toBe(3);
          const v = unpackSamples(t.data, 16);
          const left = col * dz.tileSize - (col > 0 ? dz.overlap : 0);
          const upper = row * dz.tileSize - (row > 0 ? dz.overlap : 0);
          let mismatches = 0;
          for (let y = 0; y < t.height; y++)
            for (let x = 0; x < t.width; x++) if (v[y * t.width + x] !== pattern16Value(c, left + x, upper + y)) mismatches++;
          expect(mismatches, `channel ${c} tile ${col}_${row}`).toBe(0);
        }
    }
  });

  it("a reduced level comes from the channel's own 16-bit reduced page, exactly", async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    const t = await rgba(resourcePaths.channelTile(id, 1, dz.levelCount - 2, 0, 0, 16));
    expect([t.width, t.height]).toEqual([255, 200]);
    const v = unpackSamples(t.data, 16);
    let mismatches = 0;
    for (let y = 0; y < t.height; y++) for (let x = 0; x < t.width; x++) if (v[y * t.width + x] !== pattern16Value(1, 2 * x, 2 * y)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('the 8-bit tile of the same channel keeps only the top byte: the dim signal is gone there', async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    const t = await rgba(resourcePaths.channelTile(id, 0, dz.levelCount - 1, 2, 0));
    expect(t.channels).toBe(1);
    // x 520: channel 0 is dim there (40 + 520 % 200 = 160), all below 256.
    const x = 520 - (2 * dz.tileSize - dz.overlap);
    expect(pattern16Value(0, 520, 10)).toBe(160);
    expect(t.data[(10 * t.width + x) * 4]).toBe(0);
  });

  it('mixes with a range in 16-bit units: the dim band stretched over 40-239 shows its steps', async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    // Tile 2_0 of channel 0 holds x 507..599: dim (40 + x % 200) all along.
    const t = await rgba(resourcePaths.channelTile(id, 0, dz.levelCount - 1, 2, 0, 16));
    const values = unpackSamples(t.data, 16);
    expect(values).toBeInstanceOf(Uint16Array);
    const out = new Uint8ClampedArray(values.length * 4);
    compositeChannels([values], [{ on: true, color: '#ffffff', min: 40, max: 239 }], out);
    const left = 2 * dz.tileSize - dz.overlap;
    for (const x of [0, 1, 50, 92]) {
      const v = 40 + ((left + x) % 200);
      expect(values[5 * t.width + x]).toBe(v);
      const want = Math.round(((v - 40) / 199) * 255);
      expect([...out.subarray((5 * t.width + x) * 4, (5 * t.width + x) * 4 + 4)], `x ${left + x}`).toEqual([want, want, want, 255]);
    }
    // A range over the bright signal's units maps 16-bit values onto the colour: 256 -> 0, 65535 -> full.
    const bright = new Uint16Array([256, 256 + 32640, 65535, 100]);
    const mixed = new Uint8ClampedArray(16);
    compositeChannels([bright], [{ on: true, color: '#00ff00', min: 256, max: 65535 }], mixed);
    expect([...mixed]).toEqual([0, 0, 0, 255, 0, 128, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255]);
  });

  it("histograms count every 16-bit value, and the controls' scale fits the values present", async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    const t = await rgba(resourcePaths.channelTile(id, 2, 0 + dz.levelCount - 1, 0, 0, 16));
    const h = greyHistogram(unpackSamples(t.data, 16));
    expect(h.length).toBe(65536);
    expect(h[40]).toBeGreaterThan(0);
    expect(valueScale(16, h)).toBe(255); // channel 2 is dim in the first tile: values below 256
    const twelveBit = new Uint32Array(65536);
    twelveBit[4000] = 1;
    expect(valueScale(16, twelveBit)).toBe(4095);
    expect(valueScale(8, twelveBit)).toBe(255);
  });

  it('the thumbnail mixes every channel, each stretched on its 16-bit samples', async () => {
    const r = await loadResource(ctx, resourcePaths.thumbnail(id));
    const { data, info } = await sharp(r.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    /** Mean R, G, B over the middle of a third (the signal varies pixel to pixel over the whole 16-bit range). */
    const mean = (third: number) => {
      const sum = [0, 0, 0];
      let n = 0;
      for (let y = Math.floor(info.height * 0.3); y < info.height * 0.7; y++)
        for (let x = Math.ceil(((third + 0.2) * info.width) / 3); x < ((third + 0.8) * info.width) / 3; x++, n++)
          for (let k = 0; k < 3; k++) sum[k] += data[(y * info.width + x) * 3 + k]!;
      return sum.map((v) => Math.round(v / n));
    };
    // DAPI blue left, CD3 green middle, Ki67 red right: each third lit in its channel's colour alone.
    for (const [third, k] of [[0, 2], [1, 1], [2, 0]] as const) {
      const rgb = mean(third);
      expect(rgb[k], `third ${third}: ${rgb}`).toBeGreaterThan(60);
      expect(rgb.filter((_, j) => j !== k).every((v) => v < 20), `third ${third}: ${rgb}`).toBe(true);
    }
  });

  it('a slide an older version decided (channels without their depth) is decided again, once, and gets its 16-bit tiles', async () => {
    const repo = new SlidesRepo(ctx.db);
    const old = ctx.slides.detail(id).channels.map(({ bits: _bits, ...c }) => c);
    repo.setImageInfo(id, { imageType: 'fluorescence', channels: old });
    expect(ctx.slides.detail(id).channels.every((c) => c.bits === undefined)).toBe(true);
    // still channel tiles (8-bit ones) meanwhile
    expect(ctx.slides.detail(id).channelTiles).toBe(true);
    await ctx.slides.ensure(await makePattern16Qptiff());
    expect(ctx.slides.detail(id).channels.map((c) => c.bits)).toEqual([16, 16, 16]);
  });
});
