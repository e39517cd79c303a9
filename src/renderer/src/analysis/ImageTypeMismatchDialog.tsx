/**
 * The choice before a model runs on a slide of another image type (a brightfield model on a
 * fluorescence slide): its labels would be confident and mean nothing, so the user decides.
 */
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';

/** The server's lower-case clause ("slide ... mean nothing there") as a sentence. */
export const asSentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${s.endsWith('.') ? '' : '.'}`;

export function ImageTypeMismatchDialog({ message, onCancel, onProceed }: { message: string | null; onCancel: () => void; onProceed: () => void }) {
  return (
    <Dialog open={message !== null} onClose={onCancel} data-testid="image-type-mismatch-dialog">
      <DialogTitle>The model was not trained on this kind of image</DialogTitle>
      <DialogContent>
        <DialogContentText data-testid="image-type-mismatch-message">{message}</DialogContentText>
        <DialogContentText sx={{ mt: 1 }}>Analyse anyway only to look at what the model does; do not read its labels as results.</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} autoFocus data-testid="image-type-mismatch-cancel">
          Cancel
        </Button>
        <Button onClick={onProceed} color="warning" data-testid="image-type-mismatch-proceed">
          Analyse anyway
        </Button>
      </DialogActions>
    </Dialog>
  );
}
