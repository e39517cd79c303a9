/**
 * A small SVG line chart: several series, axes with round ticks, a legend, and a hover read-out
 * of every series at the x under the pointer. Sized to its container's width. Training curves,
 * run comparisons, ROC curves and reliability diagrams all draw with it.
 */
import { useId, useMemo, useState, type PointerEvent } from 'react';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { seriesColor } from './palette';
import { formatTick, linePath, linearScale, nearestIndex, niceDomain, niceTicks, type Domain } from './scale';
import { useElementWidth } from './useElementWidth';

export interface ChartPoint {
  x: number;
  y: number;
}

export interface ChartSeries {
  id: string;
  label: string;
  points: ChartPoint[];
  color?: string;
  dashed?: boolean;
  /** Stroke width; noisy per-step series read better thin. */
  width?: number;
  opacity?: number;
  /** A dot at every point (per-epoch values); off for dense series. */
  markers?: boolean;
  /** Reference lines (the chance diagonal) stay out of the read-out and the legend. */
  reference?: boolean;
}

export interface LineChartProps {
  series: ChartSeries[];
  height?: number;
  xLabel?: string;
  yLabel?: string;
  /** Fixed axis ranges; otherwise the data's range widened to round ticks. */
  xDomain?: Domain;
  yDomain?: Domain;
  /** Whole-number x ticks (epochs). */
  integerX?: boolean;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  emptyText?: string;
  ariaLabel?: string;
  testId?: string;
  legend?: boolean;
}

const SNAP_PX = 8;

interface Prepared extends ChartSeries {
  color: string;
  sorted: ChartPoint[];
  xs: number[];
}

export function LineChart({
  series,
  height = 240,
  xLabel,
  yLabel,
  xDomain,
  yDomain,
  integerX = false,
  formatX,
  formatY,
  emptyText = 'No data yet',
  ariaLabel,
  testId,
  legend = true,
}: LineChartProps) {
  const theme = useTheme();
  const clipId = useId();
  const { ref, width } = useElementWidth<HTMLDivElement>();
  const [hoverPx, setHoverPx] = useState<number | null>(null);

  const prepared: Prepared[] = useMemo(() => {
    let colorIndex = 0;
    return series.map((s) => {
      const sorted = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
      const color = s.color ?? (s.reference ? theme.palette.text.disabled : seriesColor(colorIndex++));
      return { ...s, color, sorted, xs: sorted.map((p) => p.x) };
    });
  }, [series, theme.palette.text.disabled]);

  const margin = { top: 10, right: 16, bottom: xLabel ? 40 : 24, left: yLabel ? 62 : 48 };
  const plotW = Math.max(20, width - margin.left - margin.right);
  const plotH = Math.max(20, height - margin.top - margin.bottom);
  const data = prepared.filter((s) => !s.reference).flatMap((s) => s.sorted);
  const xd = xDomain ?? niceDomain(data.map((p) => p.x), Math.max(2, Math.floor(plotW / 90)), { integer: integerX });
  const yd = yDomain ?? niceDomain(data.map((p) => p.y), Math.max(2, Math.floor(plotH / 45)));
  const xTicks = niceTicks(xd[0], xd[1], Math.max(2, Math.floor(plotW / 90)), integerX);
  const yTicks = niceTicks(yd[0], yd[1], Math.max(2, Math.floor(plotH / 45)));
  const sx = linearScale(xd, [0, plotW]);
  const sy = linearScale(yd, [plotH, 0]);
  const fx = formatX ?? ((v: number) => formatTick(v, xTicks));
  const fy = formatY ?? ((v: number) => formatTick(v, yTicks));

  // The read-out snaps to the data x nearest the pointer, then lists every series that has a point there.
  const hover = (() => {
    if (hoverPx === null) return null;
    const target = sx.invert(hoverPx);
    let snapX: number | null = null;
    for (const s of prepared) {
      if (s.reference) continue;
      const i = nearestIndex(s.xs, target);
      if (i >= 0 && (snapX === null || Math.abs(s.xs[i] - target) < Math.abs(snapX - target))) snapX = s.xs[i];
    }
    if (snapX === null) return null;
    const rows = prepared.flatMap((s) => {
      if (s.reference) return [];
      const i = nearestIndex(s.xs, snapX!);
      if (i < 0 || Math.abs(sx(s.xs[i]) - sx(snapX!)) > SNAP_PX) return [];
      return [{ id: s.id, label: s.label, color: s.color, point: s.sorted[i] }];
    });
    return { x: snapX, rows };
  })();

  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    setHoverPx(Math.min(plotW, Math.max(0, e.clientX - box.left)));
  };

  const grid = theme.palette.divider;
  const ink = theme.palette.text.secondary;
  const tipLeft = hover ? margin.left + sx(hover.x) : 0;
  const tipOnLeft = tipLeft > width - 200;

  return (
    <Box ref={ref} sx={{ position: 'relative', width: '100%' }} data-testid={testId}>
      <svg width={width} height={height} role="img" aria-label={ariaLabel} style={{ display: 'block', overflow: 'visible' }}>
        <defs>
          <clipPath id={clipId}>
            <rect x={-4} y={-4} width={plotW + 8} height={plotH + 8} />
          </clipPath>
        </defs>
        <g transform={`translate(${margin.left},${margin.top})`}>
          {yTicks.map((t) => (
            <g key={`y${t}`} data-testid="chart-y-tick">
              <line x1={0} x2={plotW} y1={sy(t)} y2={sy(t)} stroke={grid} />
              <text x={-6} y={sy(t)} textAnchor="end" dominantBaseline="central" fontSize={11} fill={ink}>
                {formatTick(t, yTicks)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <g key={`x${t}`} data-testid="chart-x-tick">
              <line x1={sx(t)} x2={sx(t)} y1={plotH} y2={plotH + 4} stroke={ink} />
              <text x={sx(t)} y={plotH + 16} textAnchor="middle" fontSize={11} fill={ink}>
                {formatTick(t, xTicks)}
              </text>
            </g>
          ))}
          <line x1={0} x2={plotW} y1={plotH} y2={plotH} stroke={ink} />
          <line x1={0} x2={0} y1={0} y2={plotH} stroke={ink} />
          {xLabel && (
            <text x={plotW / 2} y={plotH + 34} textAnchor="middle" fontSize={12} fill={theme.palette.text.primary}>
              {xLabel}
            </text>
          )}
          {yLabel && (
            <text transform={`translate(${-margin.left + 14},${plotH / 2}) rotate(-90)`} textAnchor="middle" fontSize={12} fill={theme.palette.text.primary}>
              {yLabel}
            </text>
          )}
          <g clipPath={`url(#${clipId})`}>
            {prepared.map((s) => (
              <g key={s.id}>
                <path
                  d={linePath(s.sorted, sx, sy)}
                  fill="none"
                  stroke={s.color}
                  strokeWidth={s.width ?? 2}
                  strokeOpacity={s.opacity ?? 1}
                  strokeDasharray={s.dashed ? '5 4' : undefined}
                  strokeLinejoin="round"
                  data-testid={s.reference ? 'chart-reference' : 'chart-series'}
                  data-series-id={s.id}
                  data-points={s.sorted.length}
                />
                {s.markers &&
                  s.sorted.map((p, i) => <circle key={i} cx={sx(p.x)} cy={sy(p.y)} r={2.75} fill={s.color} fillOpacity={s.opacity ?? 1} />)}
              </g>
            ))}
          </g>
          {hover && (
            <g pointerEvents="none">
              <line x1={sx(hover.x)} x2={sx(hover.x)} y1={0} y2={plotH} stroke={ink} strokeDasharray="3 3" />
              {hover.rows.map((r) => (
                <circle key={r.id} cx={sx(r.point.x)} cy={sy(r.point.y)} r={4.5} fill={r.color} stroke={theme.palette.background.paper} strokeWidth={1.5} />
              ))}
            </g>
          )}
          <rect
            width={plotW}
            height={plotH}
            fill="transparent"
            onPointerMove={onMove}
            onPointerLeave={() => setHoverPx(null)}
            data-testid="chart-hover-area"
          />
        </g>
      </svg>
      {data.length === 0 && (
        <Typography
          variant="body2"
          color="text.secondary"
          sx={{ position: 'absolute', top: margin.top, left: margin.left, width: plotW, height: plotH, display: 'flex', alignItems: 'center', justifyContent: 'center', textAlign: 'center', px: 2, boxSizing: 'border-box', pointerEvents: 'none' }}
        >
          {emptyText}
        </Typography>
      )}
      {hover && hover.rows.length > 0 && (
        <Paper
          elevation={4}
          data-testid="chart-tooltip"
          sx={{
            position: 'absolute',
            top: margin.top + 4,
            left: tipOnLeft ? undefined : tipLeft + 12,
            right: tipOnLeft ? width - tipLeft + 12 : undefined,
            px: 1.25,
            py: 0.75,
            pointerEvents: 'none',
            zIndex: 1,
            maxWidth: 280,
          }}
        >
          <Typography variant="caption" sx={{ fontWeight: 600, display: 'block' }}>
            {xLabel ? `${xLabel} ` : ''}
            {fx(hover.x)}
          </Typography>
          {hover.rows.map((r) => (
            <Stack key={r.id} direction="row" spacing={0.75} sx={{ alignItems: 'center' }}>
              <Box sx={{ width: 8, height: 8, borderRadius: '50%', bgcolor: r.color, flexShrink: 0 }} />
              <Typography variant="caption" sx={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                {r.label}
              </Typography>
              <Typography variant="caption" sx={{ fontVariantNumeric: 'tabular-nums', fontWeight: 600 }}>
                {fy(r.point.y)}
              </Typography>
            </Stack>
          ))}
        </Paper>
      )}
      {legend && (
        <Stack direction="row" sx={{ flexWrap: 'wrap', columnGap: 2, rowGap: 0.5, mt: 0.5, pl: `${margin.left}px` }} data-testid="chart-legend">
          {prepared
            .filter((s) => !s.reference)
            .map((s) => (
              <Stack key={s.id} direction="row" spacing={0.75} sx={{ alignItems: 'center' }} data-testid="chart-legend-item" data-series-id={s.id}>
                <svg width={18} height={8} aria-hidden>
                  <line x1={0} x2={18} y1={4} y2={4} stroke={s.color} strokeWidth={Math.max(2, s.width ?? 2)} strokeDasharray={s.dashed ? '4 3' : undefined} />
                </svg>
                <Typography variant="caption">{s.label}</Typography>
              </Stack>
            ))}
        </Stack>
      )}
    </Box>
  );
}
