import { describe, expect, it } from 'vitest';
import {
  bestLevelForDownsample,
  deepZoomGeometry,
  dziXml,
  isValidTile,
  tileRegion,
  type DeepZoomOptions,
  type SlideShape,
} from '../../../src/main/slides/deepzoom.js';
import { SlideError } from '../../../src/main/slides/reader.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { pyGeometry, type PyGeometry } from './openslide-python.js';
import { has, needs } from '../../helpers/needs.js';

function shapeOf(py: PyGeometry, properties: Record<string, string> = {}): SlideShape {
  const levels = py.levelSizes.map(([width, height], i) => ({ width, height, downsample: py.levelDownsamples[i] }));
  return { width: levels[0].width, height: levels[0].height, levels, properties };
}

/** Every tile of our geometry against the Python rows [level, col, row, l0x, l0y, slideLevel, rw, rh, w, h]. */
function expectSameAsPython(shape: SlideShape, py: PyGeometry, opts: DeepZoomOptions = {}) {
  const g = deepZoomGeometry(shape, opts);
  expect(g.levels.length).toBe(py.levelCount);
  expect(g.levels.map((l) => [l.width, l.height])).toEqual(py.levelDimensions);
  expect(g.levels.map((l) => [l.cols, l.rows])).toEqual(py.levelTiles);
  expect(g.tileCount).toBe(py.tileCount);
  expect(dziXml(g, 'jpeg')).toBe(py.dzi);
  const ours = py.tiles.map(([level, col, row]) => {
    const r = tileRegion(g, level, col, row);
    return [level, col, row, r.x, r.y, r.slideLevel, r.readWidth, r.readHeight, r.width, r.height];
  });
  expect(ours).toEqual(py.tiles);
}

/** A pyramid built the way OpenSlide reports one: level sizes rounded, downsample = mean of the two ratios. */
function pyramid(width: number, height: number, factors: number[]): [number, number, number][] {
  return factors.map((f) => {
    const w = Math.max(1, Math.floor(width / f));
    const h = Math.max(1, Math.floor(height / f));
    return [w, h, (width / w + height / h) / 2];
  });
}

describe('bestLevelForDownsample', () => {
  it('picks the largest level downsample not above the request', () => {
    const ds = [1, 4.000395, 16.0028, 64.0112];
    expect(bestLevelForDownsample(ds, 0.5)).toBe(0);
    expect(bestLevelForDownsample(ds, 1)).toBe(0);
    expect(bestLevelForDownsample(ds, 2)).toBe(0);
    // 4 is just below 4.000395, so level 1 would have to upsample: stay on level 0
    expect(bestLevelForDownsample(ds, 4)).toBe(0);
    expect(bestLevelForDownsample(ds, 8)).toBe(1);
    expect(bestLevelForDownsample(ds, 1024)).toBe(3);
  });
});

describe('deepZoomGeometry by hand', () => {
  const single = (w: number, h: number): SlideShape => ({ width: w, height: h, levels: [{ width: w, height: h, downsample: 1 }] });

  it('halves with ceil down to 1x1', () => {
    const g = deepZoomGeometry(single(5, 3));
    expect(g.levels.map((l) => [l.width, l.height])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [5, 3],
    ]);
    expect(g.levels.map((l) => l.downsample)).toEqual([8, 4, 2, 1]);
  });

  it('a 1x1 image is one level with one 1x1 tile', () => {
    const g = deepZoomGeometry(single(1, 1));
    expect(g.levels).toHaveLength(1);
    expect(tileRegion(g, 0, 0, 0)).toEqual({ slideLevel: 0, x: 0, y: 0, readWidth: 1, readHeight: 1, width: 1, height: 1 });
  });

  it('adds overlap only on interior edges', () => {
    // 600 wide: tiles at x 0..253, 254..507, 508..599
    const g = deepZoomGeometry(single(600, 254));
    const top = g.levels.length - 1;
    expect(g.levels[top].cols).toBe(3);
    expect(g.levels[top].rows).toBe(1);
    expect(tileRegion(g, top, 0, 0)).toMatchObject({ x: 0, width: 255, readWidth: 255, height: 254 });
    expect(tileRegion(g, top, 1, 0)).toMatchObject({ x: 253, width: 256, readWidth: 256 });
    expect(tileRegion(g, top, 2, 0)).toMatchObject({ x: 507, width: 93, readWidth: 93 });
  });

  it('reads from a lower-resolution level and scales the level-0 origin', () => {
    const shape: SlideShape = {
      width: 4096,
      height: 4096,
      levels: [
        { width: 4096, height: 4096, downsample: 1 },
        { width: 1024, height: 1024, downsample: 4 },
      ],
    };
    const g = deepZoomGeometry(shape);
    const half = g.levels.length - 2; // DZ downsample 2: still level 0
    const quarter = g.levels.length - 3; // DZ downsample 4: level 1, no resampling
    const eighth = g.levels.length - 4; // DZ downsample 8: level 1, shrunk 2x
    expect(g.levels[half]).toMatchObject({ slideLevel: 0, slideToDz: 2 });
    expect(g.levels[quarter]).toMatchObject({ slideLevel: 1, slideToDz: 1 });
    expect(g.levels[eighth]).toMatchObject({ slideLevel: 1, slideToDz: 2 });
    // tile (1,1) at 1/8: DZ pixel 253 → level-1 pixel 506 → level-0 pixel 2024; 256 DZ px read as 512
    expect(tileRegion(g, eighth, 1, 1)).toEqual({
      slideLevel: 1,
      x: 2024,
      y: 2024,
      readWidth: 512,
      readHeight: 512,
      width: 256,
      height: 256,
    });
    // last column (2): DZ 507..511 → 5 px, read 10 level-1 px (1014..1023), clipped to the level edge
    expect(tileRegion(g, eighth, 2, 0)).toMatchObject({ x: 4056, readWidth: 10, width: 5, height: 255, readHeight: 510 });
  });

  it('rejects tiles outside the grid with a bad-request SlideError', () => {
    const g = deepZoomGeometry(single(600, 300));
    const top = g.levels.length - 1;
    for (const [l, c, r] of [
      [top + 1, 0, 0],
      [-1, 0, 0],
      [top, 3, 0],
      [top, 0, 2],
      [top, -1, 0],
      [top, 0.5, 0],
      [Number.NaN, 0, 0],
    ]) {
      expect(isValidTile(g, l, c, r)).toBe(false);
      let err: unknown;
      try {
        tileRegion(g, l, c, r);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SlideError);
      expect((err as SlideError).code).toBe('bad-request');
    }
  });

  it('writes the .dzi descriptor', () => {
    expect(dziXml(deepZoomGeometry(single(2220, 2967)), 'png')).toBe(
      '<Image TileSize="254" Overlap="1" Format="png" xmlns="http://schemas.microsoft.com/deepzoom/2008">' +
        '<Size Width="2220" Height="2967" /></Image>',
    );
  });
});

describe('deepZoomGeometry against OpenSlide Python (made-up pyramids)', needs(has.pythonOpenSlide), () => {
  const cases: { name: string; levels: [number, number, number][]; props?: Record<string, string>; opts?: DeepZoomOptions }[] = [
    { name: 'odd sizes, non-integer downsamples', levels: pyramid(16001, 12913, [1, 4, 16, 64]) },
    { name: 'tall strip', levels: pyramid(301, 9999, [1, 2, 8]) },
    { name: 'level ratios that are not powers of two', levels: pyramid(12345, 6789, [1, 3, 9, 27, 81]) },
    { name: 'tile 256 without overlap', levels: pyramid(5000, 3001, [1, 4, 16]), opts: { tileSize: 256, overlap: 0 } },
    { name: 'tile 510 overlap 3', levels: pyramid(7777, 5555, [1, 2, 4, 8, 32]), opts: { tileSize: 510, overlap: 3 } },
    {
      name: 'limit bounds',
      levels: pyramid(20000, 15000, [1, 4, 16]),
      props: { 'openslide.bounds-x': '1234', 'openslide.bounds-y': '567', 'openslide.bounds-width': '15001', 'openslide.bounds-height': '9999' },
      opts: { limitBounds: true },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const args = ['--shape', JSON.stringify({ levels: c.levels, properties: c.props ?? {} })];
      if (c.opts?.tileSize) args.push('--tile-size', String(c.opts.tileSize));
      if (c.opts?.overlap !== undefined) args.push('--overlap', String(c.opts.overlap));
      if (c.opts?.limitBounds) args.push('--limit-bounds');
      const py = pyGeometry(args);
      expectSameAsPython(shapeOf(py, c.props), py, c.opts);
    });
  }
});

describe('deepZoomGeometry against OpenSlide Python (shared slides)', needs(has.pythonOpenSlide), () => {
  for (const key of ['svs', 'ndpi'] as const) {
    const p = sharedPath(SLIDES[key]);
    it(`${key}: every tile's region and size`, needs(p), () => {
      const py = pyGeometry([p!]);
      expect(py.tileCount).toBeGreaterThan(100);
      expectSameAsPython(shapeOf(py), py);
    });
  }
});
