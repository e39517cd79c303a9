/** A titled, collapsible part of the analysis panel. */
import { useState, type ReactNode } from 'react';
import Box from '@mui/material/Box';
import ButtonBase from '@mui/material/ButtonBase';
import Collapse from '@mui/material/Collapse';
import Divider from '@mui/material/Divider';
import Typography from '@mui/material/Typography';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';

export function PanelSection({ title, defaultOpen = true, testId, children }: { title: string; defaultOpen?: boolean; testId?: string; children: ReactNode }) {
  const [open, setOpen] = useState(defaultOpen);
  return (
    <Box data-testid={testId}>
      <ButtonBase onClick={() => setOpen(!open)} aria-expanded={open} sx={{ width: '100%', justifyContent: 'flex-start', px: 2, py: 0.75 }}>
        <Typography variant="overline" color="text.secondary" sx={{ flex: 1, textAlign: 'left', lineHeight: 2 }}>
          {title}
        </Typography>
        <ExpandMoreIcon fontSize="small" sx={{ color: 'text.secondary', transform: open ? 'rotate(180deg)' : 'none', transition: 'transform 150ms' }} />
      </ButtonBase>
      <Collapse in={open} unmountOnExit>
        <Box sx={{ px: 2, pb: 2 }}>{children}</Box>
      </Collapse>
      <Divider />
    </Box>
  );
}
