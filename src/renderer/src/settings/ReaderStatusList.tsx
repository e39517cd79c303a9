import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import type { AppInfo } from '@shared/api';

/** Every reader with its state, for the settings "About" section. */
export function ReaderStatusList({ readers }: { readers: AppInfo['readers'] }) {
  return (
    <Stack spacing={0.5}>
      {readers.map((r) => (
        <Stack key={r.name} direction="row" spacing={1} sx={{ alignItems: 'flex-start' }}>
          {r.available ? (
            <CheckCircleIcon fontSize="small" color="success" />
          ) : (
            <WarningAmberIcon fontSize="small" color="warning" />
          )}
          <Typography variant="body2">
            <strong>{r.name}</strong> — {r.detail}
          </Typography>
        </Stack>
      ))}
    </Stack>
  );
}
