/** The channel display filter of fluorescence slides: ranges, colours, hidden channels, auto-contrast. */
import { describe, expect, it } from 'vitest';
import { autoRange, channelFilter, defaultViews, displayChannels, sampleHistograms } from '../../../src/renderer/src/viewer/channelDisplay';

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
