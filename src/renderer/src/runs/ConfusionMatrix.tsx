/**
 * Confusion matrix as a heat-coloured grid: rows are the true classes, columns the predicted,
 * each cell the count, shaded by its share of the row (so a small class's errors show as clearly
 * as a big one's).
 */
import Box from '@mui/material/Box';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { alpha, useTheme } from '@mui/material/styles';

export function ConfusionMatrix({ labels, matrix, testId = 'confusion-matrix' }: { labels: string[]; matrix: number[][]; testId?: string }) {
  const theme = useTheme();
  const n = labels.length;
  const total = matrix.reduce((a, row) => a + row.reduce((b, v) => b + v, 0), 0);
  const cell = n > 8 ? 40 : 56;
  return (
    <Box data-testid={testId} data-total={total} sx={{ overflowX: 'auto' }}>
      <Box sx={{ display: 'inline-grid', gridTemplateColumns: `auto repeat(${n}, ${cell}px) auto`, alignItems: 'center', gap: '2px' }}>
        <Box />
        {labels.map((l) => (
          <Typography key={`p${l}`} variant="caption" sx={{ textAlign: 'center', px: 0.25, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={`predicted ${l}`}>
            {l}
          </Typography>
        ))}
        <Typography variant="caption" color="text.secondary" sx={{ pl: 1 }}>
          total
        </Typography>
        {matrix.map((row, i) => {
          const rowTotal = row.reduce((a, v) => a + v, 0);
          return [
            <Typography key={`t${i}`} variant="caption" sx={{ pr: 1, textAlign: 'right', whiteSpace: 'nowrap' }} title={`true ${labels[i]}`}>
              {labels[i]}
            </Typography>,
            ...row.map((v, j) => {
              const share = rowTotal > 0 ? v / rowTotal : 0;
              const diagonal = i === j;
              const hue = diagonal ? theme.palette.success.main : theme.palette.error.main;
              return (
                <Tooltip key={`c${i}-${j}`} title={`true ${labels[i]}, predicted ${labels[j]}: ${v} (${(share * 100).toFixed(1)}% of the row)`}>
                  <Box
                    data-testid="confusion-cell"
                    data-row={i}
                    data-col={j}
                    data-count={v}
                    sx={{
                      height: cell,
                      display: 'flex',
                      alignItems: 'center',
                      justifyContent: 'center',
                      borderRadius: 0.5,
                      bgcolor: v === 0 ? 'action.hover' : alpha(hue, 0.12 + 0.78 * share),
                      color: share > 0.55 ? theme.palette.getContrastText(hue) : 'text.primary',
                      fontWeight: diagonal ? 700 : 400,
                      fontVariantNumeric: 'tabular-nums',
                      fontSize: 13,
                    }}
                  >
                    {v}
                  </Box>
                </Tooltip>
              );
            }),
            <Typography key={`r${i}`} variant="caption" color="text.secondary" sx={{ pl: 1, fontVariantNumeric: 'tabular-nums' }}>
              {rowTotal}
            </Typography>,
          ];
        })}
      </Box>
      <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 0.5 }}>
        Rows: true class · columns: predicted class · {total} images
      </Typography>
    </Box>
  );
}
