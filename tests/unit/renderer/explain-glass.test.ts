/**
 * The explanation overlay leaves glass clear: on CMU-1-Small-Region.svs, with the tissue the
 * analysis itself detects, exactly the map cells whose centres fall on a classified (tissue) tile
 * are drawn, and with no analysis grid every cell is.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TissueParams } from '../../../src/shared/contract/analysis.js';
import { detectSlideTissue } from '../../../src/main/analysis/slide-tissue.js';
import { gridTiles, planGrid } from '../../../src/main/analysis/tiling.js';
import { openSlide } from '../../../src/main/slides/open-slide.js';
import { tissueCells } from '../../../src/renderer/src/analysis/explainImage.js';
import { buildTileData } from '../../../src/renderer/src/analysis/tileData.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';

const svs = sharedPath(SLIDES.svs);
const home = tempHome('tessella-explain-glass-');
afterAll(() => home.cleanup());

describe('explanation cells over glass', needs(svs), () => {
  it('draws only the cells on tissue tiles', async () => {
    const reader = await openSlide(svs!, { cacheDir: home.dir });
    try {
      const meta = reader.metadata;
      const mpp = 0.499;
      const tissue = await detectSlideTissue(reader, mpp, TissueParams.parse({}));
      // The analysis grid at 2 µm/px (tiles of ~450 level-0 px), tiles with at least half tissue classified.
      const g = planGrid(meta, mpp, 2, 224, 0);
      const all = gridTiles(g, tissue);
      const kept = all.filter((t) => t.tissue >= 0.5);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length, 'the slide has glass too').toBeLessThan(all.length);
      const data = buildTileData(
        { ...g, tiles: all.length, tissueTiles: kept.length },
        ['a', 'b'],
        kept.map((t) => ({ ...t, label: 0, probs: [1, 0] })),
        kept.length,
        false,
      );
      // An explanation over the whole grid, 4 x 4 map cells per tile, as a stitched Grad-CAM is.
      const map = { name: 'grad-cam', cols: g.cols * 4, rows: g.rows * 4, values: new Array<number>(g.cols * 4 * g.rows * 4).fill(0.5) };
      const extent = { x: 0, y: 0, w: g.cols * g.tileSize, h: g.rows * g.tileSize };
      const on = tissueCells(map, extent, data)!;
      const keptAt = new Set(kept.map((t) => `${t.x / g.stride},${t.y / g.stride}`));
      let drawn = 0;
      for (let r = 0; r < map.rows; r++) {
        for (let c = 0; c < map.cols; c++) {
          const onTissue = keptAt.has(`${Math.floor(c / 4)},${Math.floor(r / 4)}`);
          expect(on[r * map.cols + c], `cell ${c},${r}`).toBe(onTissue ? 1 : 0);
          drawn += on[r * map.cols + c]!;
        }
      }
      expect(drawn).toBe(kept.length * 16);
      expect(tissueCells(map, extent, null)).toBeNull();
    } finally {
      reader.close();
    }
  });
});
