import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type SvgIcon from '@mui/material/SvgIcon';

/** What a list page shows when its list is empty: the page's icon, a title, what goes there and, optionally, how to add the first one. */
export function EmptyList({ testId, icon: Icon, title, children, action }: { testId: string; icon: typeof SvgIcon; title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Box data-testid={testId} sx={{ border: 2, borderStyle: 'dashed', borderColor: 'divider', borderRadius: 2, p: 6, textAlign: 'center', maxWidth: 640, mx: 'auto', mt: 4 }}>
      <Icon sx={{ fontSize: 48, color: 'text.disabled' }} />
      <Typography variant="h6" sx={{ mt: 1 }}>
        {title}
      </Typography>
      <Typography color="text.secondary" sx={action ? { mt: 1, mb: 3 } : { mt: 1 }}>
        {children}
      </Typography>
      {action}
    </Box>
  );
}
