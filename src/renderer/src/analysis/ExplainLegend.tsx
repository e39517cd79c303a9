/** The explanation map's key, over the slide (bottom right, clear of the navigator) while the map shows. */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { ExplainResult } from '@shared/contract/analysis';
import { overlayChipSx } from '../viewer/overlayStyle';
import { cssGradient } from './colormaps';

/** `masked`: glass cells were left out (the analysis shown has tissue tiles to tell them by). */
export function ExplainLegend({ result, masked }: { result: ExplainResult; masked: boolean }) {
  const method = result.method === 'grad-cam' ? 'Grad-CAM' : 'Attention rollout';
  return (
    <Box sx={{ ...overlayChipSx, position: 'absolute', right: 12, bottom: 12, width: 200, zIndex: 2 }} data-testid="explain-legend">
      <Typography variant="caption" component="div" noWrap>
        {method}: evidence for {result.target}
      </Typography>
      <Box sx={{ height: 10, my: 0.5, borderRadius: 0.5, background: cssGradient('turbo') }} data-testid="explain-legend-bar" />
      <Box sx={{ display: 'flex', justifyContent: 'space-between' }}>
        <Typography variant="caption">low</Typography>
        <Typography variant="caption">high</Typography>
      </Box>
      {masked && (
        <Typography variant="caption" color="text.secondary" component="div">
          Glass (no tissue tile) left clear
        </Typography>
      )}
    </Box>
  );
}
