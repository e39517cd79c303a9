/**
 * Turns the contract's DeepZoom geometry into an OpenSeadragon custom tile source. The server
 * renders tiles on demand at DeepZoom levels (level L is the slide at 1 / 2^(levelCount-1-L)),
 * which is exactly OpenSeadragon's default level scale, so only the URL needs supplying.
 */
import type { SlideDetail } from '@shared/api';
import { resourcePaths } from '@shared/resources';
import { resourceUrl } from '../api';

export function tileSourceFor(slide: Pick<SlideDetail, 'id' | 'deepZoom'>) {
  const dz = slide.deepZoom;
  return {
    width: dz.width,
    height: dz.height,
    tileSize: dz.tileSize,
    tileOverlap: dz.overlap,
    minLevel: 0,
    maxLevel: dz.levelCount - 1,
    getTileUrl: (level: number, col: number, row: number) => resourceUrl(resourcePaths.tile(slide.id, level, col, row)),
  };
}
