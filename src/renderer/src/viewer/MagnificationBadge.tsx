import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { formatMagnification } from '../format';
import { overlayChipSx } from './overlayStyle';

/**
 * Current magnification = the slide's base power (see slides/magnification.ts) × screen pixels
 * per level-0 pixel. Without a base power we can only say how much of full resolution is shown.
 */
export function MagnificationBadge({ basePower, imageZoom }: { basePower: number | null; imageZoom: number }) {
  if (!(imageZoom > 0)) return null;
  const text = basePower !== null ? formatMagnification(basePower * imageZoom) : `${Number((imageZoom * 100).toPrecision(3))}% of full resolution`;
  return (
    <Box sx={{ ...overlayChipSx, position: 'absolute', left: 12, top: 12 }}>
      <Typography
        variant="body2"
        sx={{ fontWeight: 700, fontVariantNumeric: 'tabular-nums' }}
        data-testid="magnification"
        title={basePower !== null ? `Base ${formatMagnification(basePower)} × ${imageZoom.toFixed(3)} zoom` : undefined}
      >
        {text}
      </Typography>
    </Box>
  );
}
