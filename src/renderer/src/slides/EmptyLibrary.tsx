import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import AddPhotoAlternateIcon from '@mui/icons-material/AddPhotoAlternate';
import { useSettings } from '../settings/SettingsContext';

/** First-run guidance: what a slide is here, and that nothing gets copied. */
export function EmptyLibrary({ onAdd }: { onAdd: () => void }) {
  const { info } = useSettings();
  return (
    <Box
      data-testid="slides-empty"
      sx={{
        border: 2,
        borderStyle: 'dashed',
        borderColor: 'divider',
        borderRadius: 2,
        p: 6,
        textAlign: 'center',
        maxWidth: 640,
        mx: 'auto',
        mt: 4,
      }}
    >
      <AddPhotoAlternateIcon sx={{ fontSize: 48, color: 'text.disabled' }} />
      <Typography variant="h6" sx={{ mt: 1 }}>
        Your slide library is empty
      </Typography>
      <Typography color="text.secondary" sx={{ mt: 1, mb: 3 }}>
        Add whole-slide images by pasting a file or folder path, or by browsing for them. Tessella reads slides where
        they are; nothing is copied or changed.
        {info?.supportedFormats && (
          <>
            <br />
            Supported formats: {info.supportedFormats}.
          </>
        )}
      </Typography>
      <Button variant="contained" onClick={onAdd}>
        Add slides
      </Button>
    </Box>
  );
}
