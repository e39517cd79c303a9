/**
 * Images per class as horizontal bars, each split a segment: imbalance between classes and a
 * split that came out thin are both visible at a glance. Plain SVG, scaled to the largest class.
 */
import Box from '@mui/material/Box';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import type { DatasetDetail } from '@shared/contract/datasets';
import { SPLITS, splitColors, splitNames } from './splitColors';

const ROW = 26;
const BAR = 16;
const LABEL_W = 140;
const COUNT_W = 56;
const WIDTH = 560;

export function ClassCountsChart({ detail }: { detail: DatasetDetail }) {
  const theme = useTheme();
  const max = Math.max(1, ...detail.classes.map((c) => c.total));
  const barSpace = WIDTH - LABEL_W - COUNT_W;
  const height = detail.classes.length * ROW + 4;
  return (
    <Box data-testid="dataset-class-chart">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" style={{ maxWidth: WIDTH, display: 'block' }} role="img" aria-label="Images per class and split">
        {detail.classes.map((c, row) => {
          const y = row * ROW + 4;
          let x = LABEL_W;
          return (
            <g key={c.label} data-label={c.label}>
              <text x={LABEL_W - 8} y={y + BAR / 2} dominantBaseline="central" textAnchor="end" fontSize={12} fill={theme.palette.text.primary}>
                {c.label.length > 20 ? `${c.label.slice(0, 19)}…` : c.label}
              </text>
              {SPLITS.map((s) => {
                const w = (c[s] / max) * barSpace;
                const rect = w > 0 && (
                  <rect key={s} x={x} y={y} width={w} height={BAR} fill={splitColors[s]}>
                    <title>{`${c.label} · ${splitNames[s]}: ${c[s]}`}</title>
                  </rect>
                );
                x += w;
                return rect;
              })}
              {/* Images without a split (none after a normal import) still count towards the bar. */}
              {c.total > c.train + c.val + c.test && (
                <rect x={x} y={y} width={((c.total - c.train - c.val - c.test) / max) * barSpace} height={BAR} fill={theme.palette.action.disabled} />
              )}
              <text x={LABEL_W + (c.total / max) * barSpace + 6} y={y + BAR / 2} dominantBaseline="central" fontSize={12} fill={theme.palette.text.secondary}>
                {c.total.toLocaleString('en-US')}
              </text>
            </g>
          );
        })}
      </svg>
      <Stack direction="row" spacing={2} sx={{ mt: 1, ml: `${(LABEL_W / WIDTH) * 100}%` }}>
        {SPLITS.map((s) => (
          <Stack key={s} direction="row" spacing={0.75} sx={{ alignItems: 'center' }}>
            <Box sx={{ width: 10, height: 10, borderRadius: '2px', bgcolor: splitColors[s] }} />
            <Typography variant="caption">{splitNames[s]}</Typography>
          </Stack>
        ))}
      </Stack>
    </Box>
  );
}
