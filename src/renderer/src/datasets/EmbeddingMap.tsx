/**
 * A dataset's embedding map: every image embedded by a backbone and laid out in 2-D (UMAP, on
 * the server), drawn as coloured points. Colour by label to find a patch filed in the wrong
 * class (it sits inside another class's cluster), by split or duplicates to see leakage, by
 * prediction to see where a model goes wrong. Click a point to see its image.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { DatasetDetail, DatasetMap } from '@shared/contract/datasets';
import { api, errorCode, errorMessage } from '../api';
import { recallText, rememberText } from '../rememberedText';
import { href } from '../router';
import { DatasetThumbnail } from './DatasetThumbnail';
import { splitColors, splitNames, SPLITS } from './splitColors';
import { newJobId, useJobProgress } from './useJobProgress';

const BACKBONE_KEY = 'tessella.map.backbone';
type ColourBy = 'label' | 'split' | 'predicted' | 'duplicates';
type Point = DatasetMap['points'][number];
const NONE = '#9e9e9e';
const SIZE = 520;
const PAD = 12;

/** Colour of each point, and the legend that explains them. */
function palette(detail: DatasetDetail, by: ColourBy): { of: (p: Point) => string; legend: { name: string; color: string }[] } {
  const classColor = new Map(detail.classes.map((c) => [c.label, c.color]));
  if (by === 'split') {
    return { of: (p) => (p.split ? splitColors[p.split] : NONE), legend: [...SPLITS.map((s) => ({ name: splitNames[s], color: splitColors[s] })), { name: 'No split', color: NONE }] };
  }
  if (by === 'duplicates') {
    return { of: (p) => (p.duplicateGroup !== null ? '#d84315' : NONE), legend: [{ name: 'Has a copy (flip, rotation, re-encoding)', color: '#d84315' }, { name: 'Unique', color: NONE }] };
  }
  const key = by === 'label' ? 'label' : 'predicted';
  return {
    of: (p) => (p[key] !== null ? (classColor.get(p[key]!) ?? NONE) : NONE),
    legend: [...detail.classes.map((c) => ({ name: c.label, color: c.color })), { name: by === 'label' ? 'Unlabelled' : 'No prediction', color: NONE }],
  };
}

export function EmbeddingMap({ detail }: { detail: DatasetDetail }) {
  const [backbone, setBackbone] = useState(() => recallText(BACKBONE_KEY));
  const [map, setMap] = useState<DatasetMap | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [by, setBy] = useState<ColourBy>('label');
  const [picked, setPicked] = useState<Point | null>(null);
  const progress = useJobProgress(jobId);
  const canvas = useRef<HTMLCanvasElement>(null);

  const run = async () => {
    const b = backbone.trim();
    if (!b || jobId) return;
    rememberText(BACKBONE_KEY, b);
    const id = newJobId('datasets.map');
    setJobId(id);
    setError(null);
    try {
      const m = await api.call('datasets.map', { datasetId: detail.id, backbone: b, jobId: id });
      setMap(m);
      setPicked(null);
    } catch (err) {
      if (errorCode(err) !== 'cancelled') setError(errorMessage(err));
    } finally {
      setJobId(null);
    }
  };

  // screen position of every point: the layout's bounding box scaled into the square
  const screen = useMemo(() => {
    if (!map || map.points.length === 0) return [];
    const xs = map.points.map((p) => p.x);
    const ys = map.points.map((p) => p.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const s = (SIZE - 2 * PAD) / Math.max(x1 - x0, y1 - y0, 1e-9);
    return map.points.map((p) => ({ x: PAD + (p.x - x0) * s, y: PAD + (p.y - y0) * s }));
  }, [map]);
  const colours = useMemo(() => palette(detail, by), [detail, by]);

  useEffect(() => {
    const c = canvas.current;
    if (!c || !map) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = SIZE * dpr;
    c.height = SIZE * dpr;
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, SIZE, SIZE);
    map.points.forEach((p, i) => {
      g.beginPath();
      g.arc(screen[i].x, screen[i].y, 3.5, 0, 2 * Math.PI);
      g.fillStyle = colours.of(p);
      g.globalAlpha = 0.85;
      g.fill();
    });
    if (picked) {
      const i = map.points.indexOf(picked);
      if (i >= 0) {
        g.globalAlpha = 1;
        g.lineWidth = 2;
        g.strokeStyle = '#000';
        g.beginPath();
        g.arc(screen[i].x, screen[i].y, 7, 0, 2 * Math.PI);
        g.stroke();
      }
    }
  }, [map, screen, colours, picked]);

  const nearest = (e: React.MouseEvent<HTMLCanvasElement>): Point | null => {
    if (!map) return null;
    const r = e.currentTarget.getBoundingClientRect();
    const x = ((e.clientX - r.left) * SIZE) / r.width;
    const y = ((e.clientY - r.top) * SIZE) / r.height;
    let best = -1;
    let bestD = 8 * 8;
    screen.forEach((s, i) => {
      const d = (s.x - x) ** 2 + (s.y - y) ** 2;
      if (d < bestD) (bestD = d), (best = i);
    });
    return best >= 0 ? map.points[best] : null;
  };

  const percent = progress && progress.total > 0 ? (100 * progress.done) / progress.total : null;
  const phase = progress?.message === 'embed' ? 'Embedding' : progress?.message === 'layout' ? 'Laying out' : null;

  return (
    <Stack spacing={1.5} data-testid="embedding-map">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <TextField
          size="small"
          label="Backbone"
          placeholder="a checkpoint folder, a pulled Hub id or a built-in name"
          value={backbone}
          onChange={(e) => setBackbone(e.target.value)}
          disabled={!!jobId}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void run();
            }
          }}
          sx={{ flex: 1 }}
          slotProps={{ htmlInput: { 'data-testid': 'map-backbone', spellCheck: false, autoComplete: 'off' }, input: { sx: { fontFamily: 'monospace', fontSize: 13 } } }}
        />
        {jobId ? (
          <Button color="warning" onClick={() => void api.call('datasets.cancelMap', { jobId })} data-testid="map-cancel">
            Cancel
          </Button>
        ) : (
          <Button variant="outlined" onClick={run} disabled={!backbone.trim()} data-testid="map-run">
            {map ? 'Map again' : 'Map'}
          </Button>
        )}
      </Stack>
      {jobId && (
        <Box data-testid="map-progress">
          <LinearProgress variant={percent === null ? 'indeterminate' : 'determinate'} value={percent ?? 0} />
          <Typography variant="caption" color="text.secondary">
            {phase && progress && progress.total > 0
              ? `${phase}: ${progress.done.toLocaleString('en-US')} of ${progress.total.toLocaleString('en-US')}${phase === 'Embedding' ? ' images' : ' epochs'}`
              : 'Loading the backbone…'}
          </Typography>
        </Box>
      )}
      {error && (
        <Alert severity="error" onClose={() => setError(null)} data-testid="map-error">
          {error}
        </Alert>
      )}
      {map && (
        <>
          <Stack direction="row" spacing={2} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
            <ToggleButtonGroup size="small" exclusive value={by} onChange={(_, v: ColourBy | null) => v && setBy(v)} data-testid="map-colour-by">
              <ToggleButton value="label">Label</ToggleButton>
              <ToggleButton value="split">Split</ToggleButton>
              <ToggleButton value="predicted" disabled={!map.predictionModel} title={map.predictionModel ? `Predictions of ${map.predictionModel}` : 'Run Predict on the labelling page first'}>
                Prediction
              </ToggleButton>
              <ToggleButton value="duplicates">Duplicates</ToggleButton>
            </ToggleButtonGroup>
            <Typography variant="caption" color="text.secondary" data-testid="map-summary">
              {map.points.length.toLocaleString('en-US')}
              {map.points.length < map.total ? ` of ${map.total.toLocaleString('en-US')} (a fixed sample)` : ''} images · {map.backbone.dim}-d embeddings ·{' '}
              {map.computed ? `${map.computed.toLocaleString('en-US')} computed now` : 'all from the cache'} · {map.seconds.toFixed(1)} s
            </Typography>
          </Stack>
          <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ alignItems: 'flex-start' }}>
            <canvas
              ref={canvas}
              style={{ width: SIZE, maxWidth: '100%', aspectRatio: '1', border: '1px solid rgba(0,0,0,0.12)', borderRadius: 4, cursor: 'crosshair' }}
              onClick={(e) => setPicked(nearest(e))}
              onMouseMove={(e) => {
                const p = nearest(e);
                e.currentTarget.title = p ? `${p.label ?? 'unlabelled'} · ${p.path.split(/[\\/]/).pop()}` : '';
              }}
              data-testid="map-canvas"
            />
            <Stack spacing={1} sx={{ minWidth: 220 }}>
              <Stack spacing={0.5} data-testid="map-legend">
                {colours.legend.map((l) => (
                  <Stack key={l.name} direction="row" spacing={1} sx={{ alignItems: 'center' }}>
                    <Box sx={{ width: 12, height: 12, borderRadius: '50%', bgcolor: l.color }} />
                    <Typography variant="body2">{l.name}</Typography>
                  </Stack>
                ))}
              </Stack>
              {picked ? (
                <Box data-testid="map-picked">
                  <DatasetThumbnail datasetId={detail.id} imageId={picked.imageId} alt={picked.path} size={200} />
                  <Typography variant="body2" sx={{ mt: 0.5 }}>
                    {picked.label ?? 'Unlabelled'} · {picked.split ? splitNames[picked.split] : 'no split'}
                    {picked.predicted ? ` · predicted ${picked.predicted}` : ''}
                  </Typography>
                  <Typography variant="caption" color="text.secondary" sx={{ wordBreak: 'break-all', display: 'block' }}>
                    {picked.path}
                  </Typography>
                  <Button size="small" href={href.labelling(detail.id)}>
                    Relabel on the labelling page
                  </Button>
                </Box>
              ) : (
                <Typography variant="caption" color="text.secondary">
                  Click a point to see its image.
                </Typography>
              )}
            </Stack>
          </Stack>
        </>
      )}
      {!map && !jobId && (
        <Typography variant="caption" color="text.secondary">
          Embeds every image with the backbone (once: embeddings are cached) and lays them out with UMAP. Points of one class far
          from their cluster are often mislabelled; clusters by source rather than class are batch effects.
        </Typography>
      )}
    </Stack>
  );
}
