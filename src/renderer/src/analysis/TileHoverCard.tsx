/** The hovered tile's predicted class and every class probability, next to the pointer. */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { overlayChipSx } from '../viewer/overlayStyle';
import { classColor } from './classColors';
import { probability, type TileData } from './tileData';
import type { Hover } from './useTileHover';

export function TileHoverCard({ data, hover, mpp }: { data: TileData; hover: Hover; mpp: number | null }) {
  const i = hover.tile;
  const winner = data.label[i];
  const side = mpp ? `${Math.round(data.tileSize * mpp)} µm` : `${data.tileSize} px`;
  return (
    <Box
      data-testid="heatmap-hover"
      sx={{ ...overlayChipSx, position: 'absolute', left: hover.x + 16, top: hover.y + 16, minWidth: 170, zIndex: 2 }}
    >
      <Typography variant="caption" component="div" sx={{ fontWeight: 600 }}>
        {data.labels[winner]}
      </Typography>
      {data.labels.map((name, c) => {
        const p = probability(data, i, c);
        return (
          <Box key={name} sx={{ display: 'flex', alignItems: 'center', gap: 0.75 }}>
            <Box sx={{ width: 8, height: 8, borderRadius: '2px', bgcolor: classColor(c), flexShrink: 0 }} />
            <Typography variant="caption" sx={{ flex: 1, fontWeight: c === winner ? 600 : 400 }} noWrap>
              {name}
            </Typography>
            <Typography variant="caption" sx={{ fontVariantNumeric: 'tabular-nums' }}>
              {p.toFixed(3)}
            </Typography>
          </Box>
        );
      })}
      <Typography variant="caption" color="text.secondary" component="div">
        Tile at {data.x[i].toLocaleString('en-US')}, {data.y[i].toLocaleString('en-US')} · {side}
      </Typography>
    </Box>
  );
}
