import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { annotationShortcuts } from '../annotations/shortcuts';
import { shortcuts } from './shortcuts';

function Key({ children }: { children: string }) {
  return (
    <Box
      component="kbd"
      sx={{
        display: 'inline-block',
        minWidth: 24,
        px: 0.75,
        py: 0.125,
        mr: 0.5,
        border: 1,
        borderColor: 'divider',
        borderBottomWidth: 2,
        borderRadius: 0.75,
        fontFamily: 'inherit',
        fontSize: 12,
        textAlign: 'center',
        bgcolor: 'action.hover',
      }}
    >
      {children}
    </Box>
  );
}

export function ShortcutHelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} maxWidth="sm" fullWidth data-testid="shortcut-help">
      <DialogTitle>Keyboard shortcuts</DialogTitle>
      <DialogContent dividers sx={{ p: 0 }}>
        <Table size="small">
          <TableBody>
            {shortcuts.map((s) => (
              <TableRow key={s.command}>
                <TableCell sx={{ whiteSpace: 'nowrap', width: 120 }}>
                  {s.label.map((k, i) => (
                    <span key={k}>
                      {i > 0 && s.label[0] !== 'Shift' && (
                        <Typography component="span" variant="caption" color="text.secondary" sx={{ mr: 0.5 }}>
                          or
                        </Typography>
                      )}
                      <Key>{k}</Key>
                    </span>
                  ))}
                </TableCell>
                <TableCell>{s.description}</TableCell>
              </TableRow>
            ))}
            <TableRow>
              <TableCell colSpan={2} sx={{ pt: 2 }}>
                <Typography variant="overline" color="text.secondary">
                  Annotations
                </Typography>
              </TableCell>
            </TableRow>
            {annotationShortcuts.map((s) => (
              <TableRow key={s.description}>
                <TableCell sx={{ whiteSpace: 'nowrap', width: 120 }}>
                  {s.keys.map((combo, i) => (
                    <span key={combo.join('+')}>
                      {i > 0 && (
                        <Typography component="span" variant="caption" color="text.secondary" sx={{ mr: 0.5 }}>
                          or
                        </Typography>
                      )}
                      {combo.map((k) => (
                        <Key key={k}>{k}</Key>
                      ))}
                    </span>
                  ))}
                </TableCell>
                <TableCell>{s.description}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Typography variant="body2" color="text.secondary" sx={{ p: 2 }}>
          Mouse: drag to pan, wheel to zoom, double-click to zoom in (Shift+double-click to zoom out).
        </Typography>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
