import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';

/**
 * What a detail page (one dataset, one run) shows instead of its content: a spinner while the
 * load is on its way, or why it failed with a way back to the list. A thing that is not there
 * (`notFound`, removed meanwhile) is a warning with `missing`; any other failure an error that
 * reads `failed: message`.
 */
export function DetailLoadState({
  error,
  failed,
  missing,
  back,
  testId,
}: {
  /** The load's error, or null while it is still loading. */
  error: { notFound?: boolean; message: string } | null;
  /** Leads the error message, e.g. "Could not load the dataset". */
  failed: string;
  /** The sentence when the thing does not exist, e.g. "There is no dataset 3; it may have been removed." */
  missing?: string;
  /** The list page to go back to. */
  back: { href: string; label: string };
  testId?: string;
}) {
  if (!error) {
    return (
      <Box sx={{ display: 'flex', justifyContent: 'center', p: 6 }}>
        <CircularProgress />
      </Box>
    );
  }
  const notFound = !!error.notFound && missing !== undefined;
  return (
    <Box sx={{ p: 3 }}>
      <Alert severity={notFound ? 'warning' : 'error'} action={<Button href={back.href}>{back.label}</Button>} data-testid={testId}>
        {notFound ? missing : `${failed}: ${error.message}`}
      </Alert>
    </Box>
  );
}
