/**
 * Before a pull: the model's licence and gating, since these models are mostly non-commercial and
 * several need the licence accepted on the Hub first. Pulling starts only when the user agrees.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { CatalogueModel, PullProgress } from '@shared/contract/models';
import { api, errorMessage } from '../api';

export function PullDialog({ model, onClose }: { model: CatalogueModel | null; onClose: (started?: PullProgress) => void }) {
  const [revision, setRevision] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = (started?: PullProgress) => {
    setRevision('');
    setError(null);
    setBusy(false);
    onClose(started);
  };
  const pull = () => {
    if (!model) return;
    setBusy(true);
    setError(null);
    api.call('models.pull', { id: model.id, ...(revision.trim() ? { revision: revision.trim() } : {}) }).then(
      (s) => close({ jobId: s.jobId, id: s.id, commit: s.commit, state: 'running', phase: 'download', done: 0, total: s.totalBytes }),
      (err) => {
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  };
  return (
    <Dialog open={model !== null} onClose={() => !busy && close()} maxWidth="sm" fullWidth data-testid="pull-dialog">
      <DialogTitle>Pull {model?.name}</DialogTitle>
      <DialogContent>
        <Typography variant="body2" sx={{ mb: 2 }}>
          Downloads <code>{model?.id}</code> from the Hugging Face Hub into Tessella&apos;s data home. The weights stay on this
          machine; Tessella never ships them.
        </Typography>
        <Alert severity={model?.gated ? 'warning' : 'info'} sx={{ mb: 2 }} data-testid="pull-licence">
          Licence: {model?.license ?? 'see the model card'}.
          {model?.gated
            ? ' This model is gated: accept its terms on its Hub page first, then set HF_TOKEN for the process running Tessella.'
            : ''}
        </Alert>
        <TextField
          label="Revision (branch, tag or commit)"
          placeholder="main"
          size="small"
          fullWidth
          value={revision}
          onChange={(e) => setRevision(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && pull()}
        />
        {error && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="pull-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => close()} disabled={busy}>
          Cancel
        </Button>
        <Button variant="contained" onClick={pull} disabled={busy} data-testid="pull-confirm">
          {busy ? 'Contacting the Hub…' : 'Accept and pull'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
