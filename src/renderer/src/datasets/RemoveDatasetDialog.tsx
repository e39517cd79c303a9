import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import type { DatasetSummary } from '@shared/contract/datasets';
import { api, errorMessage } from '../api';

/** Confirms forgetting a dataset: its labels, splits and suggestions go, its image files stay. */
export function RemoveDatasetDialog({ dataset, onClose }: { dataset: DatasetSummary | null; onClose: (removed: boolean) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = (removed: boolean) => {
    setError(null);
    onClose(removed);
  };

  const confirm = async () => {
    if (!dataset) return;
    setBusy(true);
    setError(null);
    try {
      await api.call('datasets.remove', { id: dataset.id });
      close(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={dataset !== null} onClose={() => !busy && close(false)} maxWidth="xs" fullWidth>
      <DialogTitle>Remove dataset?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          <strong>{dataset?.name}</strong> will be removed from Tessella with its {dataset?.images.toLocaleString('en-US')} image records, labels,
          splits and model suggestions. The image files stay where they are and can be imported again.
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
        <Button color="error" variant="contained" onClick={confirm} disabled={busy} data-testid="dataset-remove-confirm">
          Remove
        </Button>
      </DialogActions>
    </Dialog>
  );
}
