import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';

/**
 * What a list page shows before its list: a spinner while the first load is on its way, or the
 * load's error with a retry. Renders nothing once the list is there.
 */
export function ListLoadState({ loading, error, what, onRetry }: { loading: boolean; error: string | null; what: string; onRetry: () => void }) {
  if (error) {
    return (
      <Alert
        severity="error"
        sx={{ mb: 2 }}
        action={
          <Button color="inherit" size="small" onClick={onRetry}>
            Retry
          </Button>
        }
      >
        Could not load {what}: {error}
      </Alert>
    );
  }
  if (!loading) return null;
  return (
    <Box sx={{ display: 'flex', justifyContent: 'center', p: 6 }}>
      <CircularProgress />
    </Box>
  );
}
