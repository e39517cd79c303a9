/**
 * The confirm before a slide is analysed with a model whose held-out balanced accuracy is not
 * above chance: its heatmap would look like a result, so the user decides knowingly.
 */
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';

export function ModelAtChanceDialog({ message, onCancel, onProceed }: { message: string | null; onCancel: () => void; onProceed: () => void }) {
  return (
    <Dialog open={message !== null} onClose={onCancel} data-testid="model-at-chance-dialog">
      <DialogTitle>This model does no better than guessing</DialogTitle>
      <DialogContent>
        <DialogContentText data-testid="model-at-chance-message">{message}</DialogContentText>
        <DialogContentText sx={{ mt: 1 }}>Train it further or pick another model; analyse anyway only to look at what it does.</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} autoFocus data-testid="model-at-chance-cancel">
          Cancel
        </Button>
        <Button onClick={onProceed} color="warning" data-testid="model-at-chance-proceed">
          Analyse anyway
        </Button>
      </DialogActions>
    </Dialog>
  );
}
