/**
 * What the pre-flight check found, above the Start button: errors (the run cannot start) and
 * warnings (it may, once confirmed), each with its fix; and the dialog that asks for that
 * confirmation.
 */
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';
import type { PreflightFinding } from '@shared/contract/training';

function FindingList({ findings }: { findings: PreflightFinding[] }) {
  return (
    <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
      {findings.map((f, i) => (
        <li key={i} data-testid="train-preflight-finding" data-code={f.code} data-severity={f.severity}>
          <Typography variant="body2" component="span">
            {f.message}.
          </Typography>{' '}
          <Typography variant="body2" component="span" color="text.secondary">
            Fix: {f.fix}.
          </Typography>
        </li>
      ))}
    </Box>
  );
}

export function PreflightPanel({ findings }: { findings: PreflightFinding[] }) {
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  if (!findings.length) return null;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }} data-testid="train-preflight">
      {errors.length > 0 && (
        <Alert severity="error" data-testid="train-preflight-errors">
          <AlertTitle>This run cannot start</AlertTitle>
          <FindingList findings={errors} />
        </Alert>
      )}
      {warnings.length > 0 && (
        <Alert severity="warning" data-testid="train-preflight-warnings">
          <AlertTitle>Check before training</AlertTitle>
          <FindingList findings={warnings} />
        </Alert>
      )}
    </Box>
  );
}

export function PreflightConfirm({ warnings, onCancel, onConfirm }: { warnings: PreflightFinding[] | null; onCancel: () => void; onConfirm: () => void }) {
  return (
    <Dialog open={warnings !== null} onClose={onCancel} maxWidth="sm" fullWidth data-testid="train-preflight-dialog">
      <DialogTitle>Start despite {warnings?.length === 1 ? 'a warning' : `${warnings?.length ?? 0} warnings`}?</DialogTitle>
      <DialogContent>
        <FindingList findings={warnings ?? []} />
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} data-testid="train-preflight-cancel">
          Go back
        </Button>
        <Button variant="contained" color="warning" onClick={onConfirm} data-testid="train-preflight-confirm">
          Start anyway
        </Button>
      </DialogActions>
    </Dialog>
  );
}
