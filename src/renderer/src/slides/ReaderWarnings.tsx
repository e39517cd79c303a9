import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import { useSettings } from '../settings/SettingsContext';

/** Says up front which formats will not open here, instead of letting users find out one error at a time. */
export function ReaderWarnings() {
  const { info } = useSettings();
  const missing = info?.readers.filter((r) => !r.available) ?? [];
  if (missing.length === 0) return null;
  return (
    <Alert severity="warning" variant="outlined" sx={{ mb: 2 }} data-testid="reader-warnings">
      <AlertTitle>Some slide formats cannot be opened on this machine</AlertTitle>
      {missing.map((r) => (
        <div key={r.name}>
          <strong>{r.name}</strong>: {r.detail}
        </div>
      ))}
    </Alert>
  );
}
