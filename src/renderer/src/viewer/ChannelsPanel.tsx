/**
 * Channel controls over the viewer of a fluorescence slide: per channel on/off, colour, min/max
 * display range over the channel's histogram (the whole slide at overview size), auto-contrast.
 * The SVG filter they drive is rendered here too; ViewerPage puts it on the canvas.
 */
import { useEffect, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import IconButton from '@mui/material/IconButton';
import Paper from '@mui/material/Paper';
import Slider from '@mui/material/Slider';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import type { ChannelSample, SlideDetail } from '@shared/api';
import { resourcePaths } from '@shared/resources';
import { resourceUrl } from '../api';
import { autoRange, channelFilter, sampleHistograms, valueScale, type ChannelView, type DisplayChannel } from './channelDisplay';
import { overviewLevel } from './deepZoomTiles';

export const channelFilterId = 'tessella-viewer-channels';

/** The filter of channels the tiles carry (channels with tiles of their own are mixed in the tiles, not here). */
export function ChannelFilterDefs({ channels, views }: { channels: DisplayChannel[]; views: ChannelView[] }) {
  const f = channelFilter(channels, views);
  const fn = (t: { slope: number; intercept: number }) => ({ type: 'linear', slope: t.slope, intercept: t.intercept });
  return (
    <svg width="0" height="0" style={{ position: 'absolute' }} aria-hidden="true" focusable="false">
      <filter id={channelFilterId} colorInterpolationFilters="sRGB" data-testid="channel-filter">
        <feComponentTransfer>
          <feFuncR {...fn(f.transfer[0]!)} />
          <feFuncG {...fn(f.transfer[1]!)} />
          <feFuncB {...fn(f.transfer[2]!)} />
        </feComponentTransfer>
        <feColorMatrix type="matrix" values={f.matrix.join(' ')} />
      </filter>
    </svg>
  );
}

/** Histograms of the slide's samples, from its overview tile (the tiles' own values, not the stretched thumbnail). */
export function useSampleHistograms(slide: Pick<SlideDetail, 'id' | 'deepZoom'> | null, enabled: boolean): Record<ChannelSample, Uint32Array> | null {
  const [hist, setHist] = useState<Record<ChannelSample, Uint32Array> | null>(null);
  useEffect(() => {
    setHist(null);
    if (!enabled || !slide) return;
    let stop = false;
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.onload = () => {
      if (stop) return;
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) return;
      ctx.drawImage(img, 0, 0);
      try {
        setHist(sampleHistograms(ctx.getImageData(0, 0, canvas.width, canvas.height).data));
      } catch {
        // A host whose tile URLs taint the canvas: no histograms, ranges stay manual.
      }
    };
    img.src = resourceUrl(resourcePaths.tile(slide.id, overviewLevel(slide.deepZoom), 0, 0));
    return () => {
      stop = true;
    };
  }, [slide?.id, slide?.deepZoom, enabled]);
  return hist;
}

/** `hist` (one bin per value) drawn as 256 columns over 0..scale, in the channel's own units. */
function Histogram({ hist, color, min, max, scale }: { hist: Uint32Array | undefined; color: string; min: number; max: number; scale: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || !hist) return;
    const { width, height } = ctx.canvas;
    ctx.clearRect(0, 0, width, height);
    const columns = new Float64Array(256);
    const per = (scale + 1) / 256;
    for (let v = 0; v < Math.min(hist.length, scale + 1); v++) columns[Math.floor(v / per)] += hist[v]!;
    // Log counts: the dark background would otherwise flatten every other bin.
    let top = 0;
    for (let i = 0; i < 256; i++) top = Math.max(top, Math.log1p(columns[i]!));
    ctx.fillStyle = 'rgba(128,128,128,0.15)';
    ctx.fillRect((min / scale) * width, 0, ((max - min) / scale) * width, height);
    ctx.fillStyle = color === '#000000' ? '#888888' : color;
    for (let i = 0; i < 256; i++) {
      const h = top ? (Math.log1p(columns[i]!) / top) * height : 0;
      ctx.fillRect((i / 256) * width, height - h, Math.max(1, width / 256), h);
    }
  }, [hist, color, min, max, scale]);
  return <canvas ref={ref} width={256} height={36} style={{ width: '100%', height: 36, display: 'block' }} />;
}

export function ChannelsPanel({
  channels,
  views,
  onChange,
  histograms,
}: {
  channels: DisplayChannel[];
  views: ChannelView[];
  onChange: (views: ChannelView[]) => void;
  /** One per channel of `channels`. */
  histograms: Uint32Array[] | null;
}) {
  const [open, setOpen] = useState(true);
  const set = (i: number, patch: Partial<ChannelView>) => onChange(views.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  const auto = () => onChange(views.map((v, i) => (histograms?.[i] ? { ...v, ...autoRange(histograms[i]) } : v)));
  return (
    <Paper
      elevation={3}
      data-testid="channels-panel"
      // Beside the annotation toolbar (left 12, about 44 px wide): a tall list of channels would run under it.
      sx={{ position: 'absolute', left: 68, bottom: 48, width: 280, maxHeight: '60%', overflow: 'auto', p: 1, zIndex: 2, opacity: 0.95 }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center' }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Channels
        </Typography>
        <Button size="small" onClick={auto} disabled={!histograms} data-testid="channels-auto">
          Auto
        </Button>
        <IconButton size="small" onClick={() => setOpen(!open)} aria-label={open ? 'Collapse channels' : 'Expand channels'}>
          {open ? <ExpandMoreIcon fontSize="small" /> : <ExpandLessIcon fontSize="small" />}
        </IconButton>
      </Box>
      {open &&
        channels.map((c, i) => {
          const v = views[i]!;
          // The slider spans the values the channel holds (a range set beyond them still fits).
          const scale = Math.max(valueScale(c.bits, histograms?.[i]), v.max);
          return (
            <Box key={c.index} sx={{ mt: 0.5 }} data-testid="channel-row">
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
                <Checkbox size="small" checked={v.on} onChange={(e) => set(i, { on: e.target.checked })} inputProps={{ 'aria-label': `Show ${c.name}` }} sx={{ p: 0.25 }} />
                <Tooltip title="Colour">
                  <Box
                    component="input"
                    type="color"
                    value={v.color}
                    onChange={(e: React.ChangeEvent<HTMLInputElement>) => set(i, { color: e.target.value })}
                    aria-label={`Colour of ${c.name}`}
                    sx={{ width: 22, height: 22, p: 0, border: 0, bgcolor: 'transparent', cursor: 'pointer' }}
                  />
                </Tooltip>
                <Typography variant="body2" noWrap sx={{ flex: 1 }} title={c.name}>
                  {c.name}
                </Typography>
                <Typography
                  variant="caption"
                  color="text.secondary"
                  sx={{ fontVariantNumeric: 'tabular-nums' }}
                  title={`Display range in the channel's ${c.bits}-bit values (0–${c.bits === 16 ? 65535 : 255})`}
                  data-testid="channel-range-text"
                >
                  {v.min}–{v.max}
                  {c.bits === 16 ? ' (16-bit)' : ''}
                </Typography>
              </Box>
              <Histogram hist={histograms?.[i]} color={v.color} min={v.min} max={v.max} scale={scale} />
              <Slider
                size="small"
                min={0}
                max={scale}
                valueLabelDisplay="auto"
                value={[v.min, v.max]}
                disableSwap
                onChange={(_, r) => {
                  const [min, max] = r as number[];
                  set(i, { min: min!, max: Math.max(max!, min! + 1) });
                }}
                getAriaLabel={(k) => `${k === 0 ? 'Minimum' : 'Maximum'} of ${c.name}`}
                sx={{ py: 0.5 }}
                data-testid="channel-range"
              />
            </Box>
          );
        })}
    </Paper>
  );
}
