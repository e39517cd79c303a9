/** The channel display filter of fluorescence slides: ranges, colours, hidden channels, auto-contrast. */
import { describe, expect, it } from 'vitest';
import {
  autoRange,
  channelFilter,
  compositeChannels,
  defaultViews,
  displayChannels,
  greyHistogram,
  sampleHistograms,
} from '../../../src/renderer/src/viewer/channelDisplay';
import { tileSize } from '../../../src/renderer/src/viewer/deepZoomTiles';

/** What the SVG filter does to one pixel (0..255 in, 0..255 out), as the browser computes it. */
function apply(f: ReturnType<typeof channelFilter>, rgb: [number, number, number]): number[] {
  const t = rgb.map((v, k) => Math.min(1, Math.max(0, (v / 255) * f.transfer[k]!.slope + f.transfer[k]!.intercept)));
  return [0, 1, 2].map((row) => Math.round(255 * Math.min(1, Math.max(0, t[0]! * f.matrix[row * 5]! + t[1]! * f.matrix[row * 5 + 1]! + t[2]! * f.matrix[row * 5 + 2]!))));
}

describe('channel display', () => {
  const channels = displayChannels([
    { name: 'DAPI', color: '#0000ff', sample: 'blue' },
    { name: 'FITC', color: '#00ff00', sample: 'green' },
    { name: 'Not in the tiles', color: '#ff0000' },
  ]);

  it('shows only the channels the tiles carry', () => {
    expect(channels.map((c) => [c.name, c.index, c.sample])).toEqual([
      ['DAPI', 0, 'blue'],
      ['FITC', 1, 'green'],
    ]);
  });

  it('maps each channel through its range into its colour, and a hidden one to nothing', () => {
    const views = defaultViews(channels);
    views[0] = { on: true, color: '#ffffff', min: 10, max: 60 }; // DAPI shown white, stretched
    views[1] = { ...views[1]!, on: false };
    const f = channelFilter(channels, views);
    expect(apply(f, [0, 200, 35])).toEqual([128, 128, 128]); // (35 - 10) / 50 = 0.5 of white; FITC hidden
    expect(apply(f, [0, 200, 5])).toEqual([0, 0, 0]);
    expect(apply(f, [0, 0, 250])).toEqual([255, 255, 255]);
  });

  it('sums the channels in their colours', () => {
    const f = channelFilter(channels, [
      { on: true, color: '#ff0000', min: 0, max: 255 },
      { on: true, color: '#00ff00', min: 0, max: 255 },
    ]);
    expect(apply(f, [0, 51, 102])).toEqual([102, 51, 0]);
  });

  it('auto-contrast takes the 0.5th and 99.8th percentiles of the channel', () => {
    const rgba = new Uint8ClampedArray(1000 * 4);
    for (let i = 0; i < 1000; i++) rgba.set([0, 0, i < 900 ? 3 : 40 + (i % 20), 255], i * 4);
    const h = sampleHistograms(rgba);
    expect(autoRange(h.blue)).toEqual({ min: 3, max: 59 });
    expect(autoRange(h.red)).toEqual({ min: 0, max: 1 });
  });
});

describe('channels with tiles of their own', () => {
  const slideChannels = [
    { name: 'DAPI', color: '#0000ff', sample: 'grey' as const },
    { name: 'CD8', color: '#00ff00' },
    { name: 'PD-L1', color: '#ff0000' },
  ];

  it('lists every channel, none read from an RGB component', () => {
    expect(displayChannels(slideChannels, true).map((c) => [c.name, c.index, c.sample])).toEqual([
      ['DAPI', 0, null],
      ['CD8', 1, null],
      ['PD-L1', 2, null],
    ]);
    // and the canvas filter leaves them alone
    const f = channelFilter(displayChannels(slideChannels, true), defaultViews(displayChannels(slideChannels, true)));
    expect(f.matrix.slice(0, 15).every((v) => v === 0)).toBe(true);
  });

  it('mixes the shown channels additively, each through its range into its colour', () => {
    const dapi = [0, 30, 130, 255];
    const cd8 = [200, 100, 0, 255];
    const pdl1 = [255, 255, 255, 255];
    const out = new Uint8ClampedArray(4 * 4);
    compositeChannels(
      [dapi, cd8, pdl1],
      [
        { on: true, color: '#0000ff', min: 30, max: 130 }, // 0 -> 0, 30 -> 0, 130 -> 1
        { on: true, color: '#ffff00', min: 0, max: 200 }, // yellow, 100 -> 0.5
        { on: false, color: '#ff0000', min: 0, max: 255 }, // hidden: adds nothing
      ],
      out,
    );
    expect([...out]).toEqual([
      255, 255, 0, 255, // CD8 at its max: full yellow
      128, 128, 0, 255, // DAPI at its min, CD8 half: (127.5 rounds to 128)
      0, 0, 255, 255, // DAPI at its max
      255, 255, 255, 255, // both saturated, summed and clamped
    ]);
  });

  it('a channel not yet loaded shows as nothing, and a pale colour scales each component', () => {
    const out = new Uint8ClampedArray(4);
    compositeChannels([null, [100]], [{ on: true, color: '#ffffff', min: 0, max: 255 }, { on: true, color: '#804020', min: 0, max: 200 }], out);
    expect([...out]).toEqual([Math.round(0.5 * 0x80), Math.round(0.5 * 0x40), Math.round(0.5 * 0x20), 255]);
  });

  it('histograms grey values; tile sizes follow the server\'s DeepZoom cut', () => {
    expect([...greyHistogram([3, 3, 7]).slice(0, 8)]).toEqual([0, 0, 0, 2, 0, 0, 0, 1]);
    const dz = { width: 600, height: 400, tileSize: 254, overlap: 1, format: 'jpeg' as const, levelCount: 11 };
    expect(tileSize(dz, 10, 0, 0)).toEqual({ width: 255, height: 255 });
    expect(tileSize(dz, 10, 1, 1)).toEqual({ width: 256, height: 147 });
    expect(tileSize(dz, 10, 2, 0)).toEqual({ width: 93, height: 255 });
    expect(tileSize(dz, 9, 1, 0)).toEqual({ width: 47, height: 200 });
    expect(tileSize(dz, 0, 0, 0)).toEqual({ width: 1, height: 1 });
  });
});
