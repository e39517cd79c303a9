/** The most confident tiles of each class; a click takes the viewer there. */
import { useMemo } from 'react';
import Box from '@mui/material/Box';
import ButtonBase from '@mui/material/ButtonBase';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type OpenSeadragon from 'openseadragon';
import type { SlideDetail } from '@shared/api';
import { classColor } from './classColors';
import { focusTile } from './focusTile';
import { probability, topTiles, type TileData } from './tileData';
import { TileThumbnail } from './TileThumbnail';

const perClass = 6;
const thumb = 64;

export function TopTilesGallery({
  data,
  slide,
  viewer,
  onFocus,
}: {
  data: TileData;
  slide: SlideDetail;
  viewer: OpenSeadragon.Viewer | null;
  /** Told which tile was jumped to, so the slide can outline it. */
  onFocus: (tile: number) => void;
}) {
  const best = useMemo(() => topTiles(data, perClass), [data]);
  return (
    <Box data-testid="top-tiles">
      {data.labels.map((name, c) => (
        <Box key={name} sx={{ mb: 1 }}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.75, mb: 0.5 }}>
            <Box sx={{ width: 10, height: 10, borderRadius: '2px', bgcolor: classColor(c) }} />
            <Typography variant="body2">{name}</Typography>
          </Box>
          {best[c].length === 0 ? (
            <Typography variant="caption" color="text.secondary">
              No tile predicted as {name}.
            </Typography>
          ) : (
            <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }}>
              {best[c].map((i) => {
                const p = probability(data, i, c);
                return (
                  <Tooltip key={i} title={`${name} ${p.toFixed(3)} · tile at ${data.x[i]}, ${data.y[i]}`}>
                    <ButtonBase
                      data-testid="top-tile"
                      data-class={name}
                      onClick={() => {
                        onFocus(i);
                        if (viewer) focusTile(viewer, data.x[i], data.y[i], data.tileSize);
                      }}
                      sx={{ position: 'relative', border: 2, borderColor: classColor(c), borderRadius: 0.5, overflow: 'hidden' }}
                    >
                      <TileThumbnail slide={slide} x={data.x[i]} y={data.y[i]} size={data.tileSize} px={thumb} />
                      <Box
                        component="span"
                        sx={{ position: 'absolute', right: 0, bottom: 0, px: 0.5, fontSize: 10, lineHeight: 1.4, bgcolor: 'rgba(0,0,0,0.6)', color: '#fff' }}
                      >
                        {p.toFixed(2)}
                      </Box>
                    </ButtonBase>
                  </Tooltip>
                );
              })}
            </Box>
          )}
        </Box>
      ))}
    </Box>
  );
}
