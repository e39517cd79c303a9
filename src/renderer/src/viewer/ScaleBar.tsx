import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { formatLength } from '../format';
import { niceScaleBar } from './scaleBar';
import { overlayChipSx } from './overlayStyle';

/**
 * Bottom-left scale bar. Which pixel size applies depends on rotation: after a quarter turn the
 * screen's horizontal runs along the slide's y axis.
 */
export function ScaleBar({ mpp, imageZoom, rotation }: { mpp: { x: number; y: number } | null; imageZoom: number; rotation: number }) {
  if (!mpp) {
    return (
      <Box sx={{ ...overlayChipSx, position: 'absolute', left: 12, bottom: 12 }} data-testid="scale-bar-unavailable">
        <Typography variant="caption">No scale bar: this file does not record its pixel size</Typography>
      </Box>
    );
  }
  if (!(imageZoom > 0)) return null;
  const quarterTurn = Math.round(rotation / 90) % 2 !== 0;
  const bar = niceScaleBar((quarterTurn ? mpp.y : mpp.x) / imageZoom);
  if (!bar) return null;
  return (
    <Box
      data-testid="scale-bar"
      data-microns={bar.microns}
      sx={{ ...overlayChipSx, position: 'absolute', left: 12, bottom: 12, display: 'flex', flexDirection: 'column', alignItems: 'flex-start' }}
    >
      <Typography variant="caption" sx={{ fontWeight: 600, lineHeight: 1.4 }}>
        {formatLength(bar.microns)}
      </Typography>
      <Box
        sx={{
          width: bar.pixels,
          height: 6,
          border: '2px solid currentColor',
          borderTop: 'none',
        }}
      />
    </Box>
  );
}
