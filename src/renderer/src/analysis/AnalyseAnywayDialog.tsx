/**
 * The confirm before a slide is analysed against advice (a model of another image type, a model
 * no better than chance): the result would look like one, so the user decides knowingly.
 * Test ids are `<testId>-dialog`, `-message`, `-cancel` and `-proceed`.
 */
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';

export interface AnalyseAnywayProps {
  /** The server's or the picker's reason; null keeps the dialog closed. */
  message: string | null;
  onCancel: () => void;
  onProceed: () => void;
}

export function AnalyseAnywayDialog({ testId, title, advice, message, onCancel, onProceed }: AnalyseAnywayProps & { testId: string; title: string; advice: string }) {
  return (
    <Dialog open={message !== null} onClose={onCancel} data-testid={`${testId}-dialog`}>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <DialogContentText data-testid={`${testId}-message`}>{message}</DialogContentText>
        <DialogContentText sx={{ mt: 1 }}>{advice}</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} autoFocus data-testid={`${testId}-cancel`}>
          Cancel
        </Button>
        <Button onClick={onProceed} color="warning" data-testid={`${testId}-proceed`}>
          Analyse anyway
        </Button>
      </DialogActions>
    </Dialog>
  );
}
