import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

/**
 * The top of a list page: its title, a line under it (counts, a hint) when there is one, and the
 * page's actions on the right. `wrap` lets many actions flow under the title in a narrow window.
 */
export function PageHeader({ title, subtitle, wrap = false, children }: { title: string; subtitle?: ReactNode; wrap?: boolean; children?: ReactNode }) {
  return (
    <Stack direction="row" spacing={wrap ? 1 : 2} sx={{ alignItems: 'center', mb: 2, ...(wrap ? { flexWrap: 'wrap' } : {}) }}>
      <Box sx={wrap ? { flex: 1, minWidth: 200 } : { flex: 1 }}>
        <Typography variant="h5" component="h1" sx={{ fontWeight: 600 }}>
          {title}
        </Typography>
        {subtitle && (
          <Typography variant="body2" color="text.secondary">
            {subtitle}
          </Typography>
        )}
      </Box>
      {children}
    </Stack>
  );
}
