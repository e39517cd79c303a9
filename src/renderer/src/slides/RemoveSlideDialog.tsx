import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import type { SlideSummary } from '@shared/api';
import { api, errorMessage } from '../api';

export function RemoveSlideDialog({ slide, onClose }: { slide: SlideSummary | null; onClose: (removed: boolean) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = (removed: boolean) => {
    setError(null);
    onClose(removed);
  };

  const confirm = async () => {
    if (!slide) return;
    setBusy(true);
    setError(null);
    try {
      await api.call('slides.remove', { id: slide.id });
      close(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={slide !== null} onClose={() => !busy && close(false)} maxWidth="xs" fullWidth>
      <DialogTitle>Remove slide?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          <strong>{slide?.name}</strong> will be removed from the Tessella library. The file itself stays where it is
          and can be added again later.
        </DialogContentText>
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
        <Button color="error" variant="contained" onClick={confirm} disabled={busy} data-testid="remove-confirm">
          Remove
        </Button>
      </DialogActions>
    </Dialog>
  );
}
