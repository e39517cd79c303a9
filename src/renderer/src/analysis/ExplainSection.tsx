/**
 * Explain the current view: attention rollout (ViT) or Grad-CAM (ResNet) over the region on
 * screen, with the model and resolution of the analysis shown, drawn over the slide.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type OpenSeadragon from 'openseadragon';
import type { Analysis } from '@shared/contract/analysis';
import type { SlideDetail } from '@shared/api';
import { formatCount } from './formatAnalysis';
import type { ExplainOverlay } from './useExplainOverlay';
import { useViewRegion, viewRegion, type Region } from './useViewRegion';

/** The server explains at most this many tiles at once (MAX_REGION_TILES). */
const maxTiles = 256;

/** Tiles the server will take for a region: whole grid tiles (no overlap) meeting it. */
function regionTiles(r: Region, tileSize: number): number {
  const cols = Math.floor((r.x + r.w - 1) / tileSize) - Math.floor(r.x / tileSize) + 1;
  const rows = Math.floor((r.y + r.h - 1) / tileSize) - Math.floor(r.y / tileSize) + 1;
  return cols * rows;
}

export function ExplainSection({ analysis, explain, viewer, slide }: { analysis: Analysis; explain: ExplainOverlay; viewer: OpenSeadragon.Viewer | null; slide: SlideDetail }) {
  const [target, setTarget] = useState('');
  const region = useViewRegion(viewer, slide);
  const tileSize = analysis.grid?.tileSize ?? null;
  const tiles = region && tileSize ? regionTiles(region, tileSize) : null;
  const tooBig = tiles !== null && tiles > maxTiles;
  const r = explain.result;

  const run = () => {
    const now = viewer ? viewRegion(viewer, slide) : null;
    if (!now) return;
    void explain.run({
      model: analysis.model.dir,
      slideId: slide.id,
      region: now,
      params: { mpp: analysis.params.targetMpp, tissue: analysis.params.tissue },
      target: target || undefined,
    });
  };

  return (
    <Box>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
        <TextField
          select
          size="small"
          label="Explain class"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          sx={{ flex: 1 }}
          slotProps={{ inputLabel: { shrink: true }, select: { displayEmpty: true } }}
        >
          <MenuItem value="">Predicted class</MenuItem>
          {analysis.model.labels.map((l) => (
            <MenuItem key={l} value={l}>
              {l}
            </MenuItem>
          ))}
        </TextField>
        <Button variant="outlined" onClick={run} disabled={!viewer || explain.loading || tooBig} data-testid="analysis-explain">
          {explain.loading ? <CircularProgress size={18} /> : 'Explain view'}
        </Button>
      </Box>
      <Typography variant="caption" color={tooBig ? 'warning.main' : 'text.secondary'} component="div" sx={{ mt: 0.5 }}>
        {tooBig
          ? `The view spans ${formatCount(tiles)} tiles; zoom in to ${maxTiles} or fewer to explain it.`
          : `${analysis.model.arch === 'vit' ? 'Attention rollout' : 'Grad-CAM'} over the region on screen at ${analysis.params.targetMpp} µm/px.`}
      </Typography>
      {explain.error && (
        <Alert severity="error" sx={{ mt: 1 }}>
          {explain.error}
        </Alert>
      )}
      {r && (
        <Box sx={{ mt: 1 }} data-testid="explain-result">
          <Box sx={{ display: 'flex', alignItems: 'center' }}>
            <Typography variant="body2" sx={{ flex: 1 }}>
              {r.method === 'rollout' ? 'Rollout' : 'Grad-CAM'} for <b>{r.target}</b> · predicted {r.label} · {formatCount(r.tiles)} tiles
            </Typography>
          </Box>
          <Typography variant="caption" color="text.secondary" component="div">
            {Object.entries(r.probabilities)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(' · ')}
          </Typography>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
            <FormControlLabel
              control={<Switch size="small" checked={explain.visible} onChange={(e) => explain.setVisible(e.target.checked)} data-testid="explain-visible" />}
              label={<Typography variant="body2">Show on slide</Typography>}
              sx={{ flex: 1 }}
            />
            <Button size="small" color="inherit" onClick={explain.clear}>
              Clear
            </Button>
          </Box>
          <Box
            component="img"
            src={`data:image/png;base64,${r.png}`}
            alt={`Explanation map for ${r.target}`}
            sx={{ width: '100%', borderRadius: 0.5, display: 'block', border: 1, borderColor: 'divider' }}
          />
        </Box>
      )}
    </Box>
  );
}
