/** Share of tissue tiles predicted as each class, as bars in the class colours. */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { classColor } from './classColors';
import { formatPercent } from './formatAnalysis';

export function ClassFractions({ labels, fractions, tissueTiles }: { labels: string[]; fractions: Record<string, number>; tissueTiles: number }) {
  return (
    <Box data-testid="class-fractions">
      {labels.map((name, i) => {
        const f = fractions[name] ?? 0;
        return (
          <Box key={name} data-class={name} data-fraction={f} sx={{ display: 'flex', alignItems: 'center', gap: 1, py: 0.25 }}>
            <Typography variant="body2" noWrap sx={{ width: 96, flexShrink: 0 }} title={name}>
              {name}
            </Typography>
            <Box sx={{ flex: 1, height: 10, bgcolor: 'action.hover', borderRadius: 0.5, overflow: 'hidden' }}>
              <Box sx={{ width: `${f * 100}%`, height: '100%', bgcolor: classColor(i) }} />
            </Box>
            <Typography variant="body2" sx={{ width: 48, textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>
              {formatPercent(f)}
            </Typography>
          </Box>
        );
      })}
      <Typography variant="caption" color="text.secondary">
        Of {tissueTiles.toLocaleString('en-US')} tissue tiles, by most probable class.
      </Typography>
    </Box>
  );
}
