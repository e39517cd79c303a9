/** Files the server left out or could not read, each with its reason, as the server words it. */
import Box from '@mui/material/Box';
import type { SxProps, Theme } from '@mui/material/styles';

export function ProblemList({ problems, testId, sx }: { problems: { path: string; reason: string }[]; testId?: string; sx?: SxProps<Theme> }) {
  return (
    <Box component="ul" data-testid={testId} sx={{ m: 0, pl: 2, maxHeight: 220, overflow: 'auto', ...sx }}>
      {problems.map((p, i) => (
        <li key={`${p.path}\u0000${i}`}>
          <Box component="span" sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>
            {p.path}
          </Box>
          : {p.reason}
        </li>
      ))}
    </Box>
  );
}
