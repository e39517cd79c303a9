/**
 * A multi-channel OME-TIFF (one page per channel, names and colours in the OME-XML) goes through
 * the same per-channel path as a QPTIFF: every channel listed with its name and colour, each
 * served as tiles of its own holding exactly its page's pixels, a thumbnail mixing them all.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../../src/main/app-context';
import { loadResource } from '../../../src/main/resources';
import { resourcePaths } from '../../../src/shared/resources';
import { openSlide } from '../../../src/main/slides/open-slide';
import { omePixelSize, omeTiffChannels } from '../../../src/main/slides/ome-tiff';
import { channelLayout, channelLevels } from '../../../src/main/slides/channel-pages';
import { readTiffPages, type TiffPage } from '../../../src/main/slides/tiff-directory';
import { makePatternOmeTiff, mismatches, omeColor, PATTERN_OME, pattern16Value, patternValue, tileColumns } from '../../helpers/make-fluorescence';
import { unpackSamples } from '../../../src/renderer/src/viewer/channelDisplay';
import { tempHome } from '../../helpers/temp-home';

const home = tempHome('tessella-ome-channels-');
let ctx: AppContext;
let id: number;
let file: string;

beforeAll(async () => {
  file = await makePatternOmeTiff();
  ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
  id = (await ctx.slides.ensure(file)).id;
});
afterAll(() => {
  ctx?.close();
  home.cleanup();
});

async function grey(path: string): Promise<{ data: Buffer; width: number; height: number }> {
  const r = await loadResource(ctx, path);
  expect(r.contentType).toBe('image/png');
  const { data, info } = await sharp(r.body).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('channels of a multi-channel OME-TIFF', { timeout: 60_000 }, () => {
  it('lists every channel with its name and colour, each with 8-bit tiles of its own', () => {
    const d = ctx.slides.detail(id);
    expect(d.format).toBe('ome-tiff');
    expect(d.reader).toBe('sharp');
    expect(d.imageType).toBe('fluorescence');
    expect(d.channels.map((c) => [c.name, c.color, c.bits])).toEqual(PATTERN_OME.channels.map((c) => [c.name, c.hex, 8]));
    expect(d.channelTiles).toBe(true);
    expect(d.mpp).toEqual({ x: 0.5, y: 0.5 });
    // the channel pages are not levels: the pyramid is the full and the half-size page
    expect(d.levels.map((l) => [l.width, l.height])).toEqual([
      [600, 400],
      [300, 200],
    ]);
  });

  it("each channel's tiles hold exactly its own page's pixels, at full and half size", async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    const top = dz.levelCount - 1;
    for (let c = 0; c < 3; c++) {
      for (const { col, left } of tileColumns(dz)) {
        const t = await grey(resourcePaths.channelTile(id, c, top, col, 0));
        expect(mismatches(t, (x, y) => patternValue(c, left + x, y)), `channel ${c} tile ${col}_0`).toBe(0);
      }
      const half = await grey(resourcePaths.channelTile(id, c, top - 1, 0, 0));
      expect(mismatches(half, (x, y) => patternValue(c, 2 * x, 2 * y)), `channel ${c} half size`).toBe(0);
    }
  });

  it('an 8-bit channel asked for packed gives its values in the low byte', async () => {
    const dz = ctx.slides.detail(id).deepZoom;
    const r = await loadResource(ctx, resourcePaths.channelTile(id, 1, dz.levelCount - 1, 1, 0, 16));
    const { data, info } = await sharp(r.body).raw().toBuffer({ resolveWithObject: true });
    const left = dz.tileSize - dz.overlap;
    for (const x of [0, 100, 200]) {
      const o = (7 * info.width + x) * info.channels;
      expect(data[o]! * 256 + data[o + 1]!).toBe(patternValue(1, left + x, 7));
    }
  });

  it('the thumbnail mixes every channel in its colour', async () => {
    const r = await loadResource(ctx, resourcePaths.thumbnail(id));
    const { data, info } = await sharp(r.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (fx: number) => {
      const o = (Math.floor(info.height / 2) * info.width + Math.floor(fx * info.width)) * 3;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    };
    // cyan left, yellow middle, magenta right: two components lit alike (the ramp sets how much), the third dark
    for (const [fx, dark] of [[0.15, 0], [0.5, 2], [0.85, 1]] as const) {
      const rgb = at(fx);
      const lit = rgb.filter((_, k) => k !== dark);
      expect(rgb[dark], `${fx}: ${rgb}`).toBeLessThan(40);
      expect(Math.min(...lit), `${fx}: ${rgb}`).toBeGreaterThan(60);
      expect(Math.abs(lit[0]! - lit[1]!), `${fx}: ${rgb}`).toBeLessThan(25);
    }
  });

  it('opens through the sharp reader with every channel kept apart, whatever else could read it', async () => {
    const reader = await openSlide(file, { cacheDir: join(home.dir, 'cache') });
    try {
      expect(reader.readerName).toBe('sharp');
      expect(reader.channelCount).toBe(3);
      expect(reader.channelBits).toEqual([8, 8, 8]);
    } finally {
      reader.close();
    }
  });
});

/**
 * libvips can read SubIFDs, but sharp 0.34.5 never passes its `tiff.subifd` option on (its
 * native side looks for an attribute the JS side does not set), so a pyramidal OME-TIFF's
 * reduced levels are not used: each channel is its full-resolution page, and the reader builds
 * the smaller levels from it. Every channel is still served exactly.
 */
describe('a pyramidal 16-bit OME-TIFF (reduced levels in SubIFDs)', { timeout: 60_000 }, () => {
  let pyramidId: number;
  beforeAll(async () => {
    pyramidId = (await ctx.slides.ensure(await makePatternOmeTiff('pattern16-3ch-subifd.ome.tif', { bits: 16, subIfds: true }))).id;
  });

  it('lists every channel as 16-bit, each with tiles of its own', () => {
    const d = ctx.slides.detail(pyramidId);
    expect(d.format).toBe('ome-tiff');
    expect(d.channels.map((c) => [c.name, c.color, c.bits])).toEqual(PATTERN_OME.channels.map((c) => [c.name, c.hex, 16]));
    expect(d.channelTiles).toBe(true);
  });

  it("each channel's full-resolution tiles carry its exact 16-bit samples", async () => {
    const dz = ctx.slides.detail(pyramidId).deepZoom;
    const top = dz.levelCount - 1;
    for (let c = 0; c < 3; c++) {
      for (const { col, left } of tileColumns(dz)) {
        const r = await loadResource(ctx, resourcePaths.channelTile(pyramidId, c, top, col, 1, 16));
        const { data, info } = await sharp(r.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        const v = unpackSamples(data, 16);
        const upper = dz.tileSize - dz.overlap;
        expect(mismatches({ data: v, width: info.width, height: info.height }, (x, y) => pattern16Value(c, left + x, upper + y)), `channel ${c} tile ${col}_1`).toBe(0);
      }
    }
  });
});

describe('OME-XML plane to IFD mapping', () => {
  const page = (index: number, description: string | null = null, width = 100, height = 80): TiffPage => ({
    index, width, height, tiled: true, tileWidth: 64, tileHeight: 64, compression: 1, samplesPerPixel: 1, bitsPerSample: 16, sampleFormat: 1,
    reduced: false, description, make: null, model: null, software: null, dateTime: null, xResolution: null, yResolution: null, resolutionUnit: 2,
  });
  const ome = (pixels: string, inner: string) => `<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ${pixels}>${inner}</Pixels></Image></OME>`;
  const channels = '<Channel ID="Channel:0:0" Name="A" Color="-16776961"/><Channel ID="Channel:0:1" Name="B"/>';

  it('follows DimensionOrder to the first plane of each channel', () => {
    // XYZCT with 3 z-planes: channel 1 starts at IFD 3
    const xml = ome('DimensionOrder="XYZCT" SizeC="2" SizeZ="3" SizeT="1"', channels);
    const pages = [page(0, xml), ...[1, 2, 3, 4, 5].map((i) => page(i))];
    expect(omeTiffChannels(pages)?.channels).toEqual([
      { name: 'A', color: '#ff0000', page: 0, bits: 16 },
      { name: 'B', color: null, page: 3, bits: 16 },
    ]);
    expect(omeColor('#ff0000')).toBe(-16776961);
  });

  it("a reduced level's page for a channel follows the plane order, Z planes between channels included", () => {
    const xml = ome('DimensionOrder="XYZCT" SizeC="2" SizeZ="2" SizeT="1"', channels);
    // c0z0 c0z1 c1z0 c1z1 at full size, then the same four at half size
    const pages = [page(0, xml), page(1), page(2), page(3), ...[4, 5, 6, 7].map((i) => page(i, null, 50, 40))];
    const layout = channelLayout(pages)!;
    expect(layout.kind).toBe('ome-tiff');
    const levelPages = [pages[0]!, pages[4]!];
    expect(channelLevels(pages, layout, levelPages, 0).map((p) => p.index)).toEqual([0, 4]);
    expect(channelLevels(pages, layout, levelPages, 1).map((p) => p.index)).toEqual([2, 6]);
  });

  it('takes TiffData IFDs as written, and lists nothing when a plane is missing', () => {
    const xml = ome('DimensionOrder="XYCZT" SizeC="2" SizeZ="1" SizeT="1"', channels + '<TiffData FirstC="0" IFD="1" PlaneCount="1"/><TiffData FirstC="1" IFD="0" PlaneCount="1"/>');
    expect(omeTiffChannels([page(0, xml), page(1)])?.channels.map((c) => [c.name, c.page])).toEqual([
      ['A', 1],
      ['B', 0],
    ]);
    expect(omeTiffChannels([page(0, ome('DimensionOrder="XYCZT" SizeC="2"', channels))])?.channels).toEqual([]);
    expect(omeTiffChannels([page(0, 'not OME')])).toBeNull();
  });

  it('reads the pixel size in micrometres, whatever unit it is written in', () => {
    expect(omePixelSize(ome('PhysicalSizeX="325" PhysicalSizeXUnit="nm" PhysicalSizeY="0.325"', ''))).toEqual({ x: 0.325, y: 0.325 });
    expect(omePixelSize(ome('PhysicalSizeX="0.25"', ''))).toEqual({ x: 0.25, y: 0.25 });
    expect(omePixelSize(ome('PhysicalSizeX="1" PhysicalSizeXUnit="pixel"', ''))).toBeNull();
    expect(omePixelSize(ome('SizeC="2"', ''))).toBeNull();
  });
});

it('reads the pages of the written OME-TIFF', async () => {
  const pages = await readTiffPages(await makePatternOmeTiff(), 'pattern-3ch.ome.tif');
  expect(pages.length).toBe(6);
  expect(pages[0]!.description).toContain('<Channel ID="Channel:0:2" Name="Pan-CK (AF647)"');
});
