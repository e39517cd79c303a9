import { useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import { errorMessage } from '../api';

/** Asks before removing something from the library; the server's error stays in the dialog. */
export function ConfirmRemoveDialog({
  open,
  title,
  children,
  remove,
  onClose,
  confirmTestId,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  remove: () => Promise<unknown>;
  onClose: (removed: boolean) => void;
  confirmTestId: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = (removed: boolean) => {
    setError(null);
    onClose(removed);
  };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await remove();
      close(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={() => !busy && close(false)} maxWidth="xs" fullWidth>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <DialogContentText>{children}</DialogContentText>
        {error && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => close(false)} disabled={busy}>
          Cancel
        </Button>
        <Button color="error" variant="contained" onClick={confirm} disabled={busy} data-testid={confirmTestId}>
          Remove
        </Button>
      </DialogActions>
    </Dialog>
  );
}
