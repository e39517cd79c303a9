/**
 * Settings apply as soon as they change (there is nothing to lose by trying a theme), so the
 * dialog has no Save button; the server confirms each write through SettingsContext.
 */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Divider from '@mui/material/Divider';
import FormControlLabel from '@mui/material/FormControlLabel';
import Slider from '@mui/material/Slider';
import Switch from '@mui/material/Switch';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { Settings, SettingsPatch } from '@shared/api';
import { errorMessage } from '../api';
import { useSettings } from './SettingsContext';
import { ReaderStatusList } from './ReaderStatusList';
import { InferenceSettings } from './InferenceSettings';

export function SettingsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { settings, info, update } = useSettings();
  const [error, setError] = useState<string | null>(null);
  const [quality, setQuality] = useState(settings.tileQuality);
  useEffect(() => setQuality(settings.tileQuality), [settings.tileQuality]);

  const apply = (patch: SettingsPatch) => {
    setError(null);
    update(patch).catch((err) => setError(errorMessage(err)));
  };

  return (
    <Dialog open={open} onClose={onClose} maxWidth="sm" fullWidth data-testid="settings-dialog">
      <DialogTitle>Settings</DialogTitle>
      <DialogContent dividers>
        {error && (
          <Alert severity="error" sx={{ mb: 2 }}>
            {error}
          </Alert>
        )}
        <Typography variant="subtitle2" gutterBottom>
          Theme
        </Typography>
        <ToggleButtonGroup
          exclusive
          size="small"
          value={settings.theme}
          onChange={(_, value: Settings['theme'] | null) => value && apply({ theme: value })}
          aria-label="Theme"
        >
          <ToggleButton value="light">Light</ToggleButton>
          <ToggleButton value="dark">Dark</ToggleButton>
          <ToggleButton value="system">Follow system</ToggleButton>
        </ToggleButtonGroup>

        <Divider sx={{ my: 2 }} />
        <FormControlLabel
          control={
            <Switch
              checked={settings.hideLabelImages}
              onChange={(e) => apply({ hideLabelImages: e.target.checked })}
              slotProps={{ input: { 'aria-describedby': 'hide-label-help' } }}
            />
          }
          label="Hide label and macro images"
        />
        <Typography id="hide-label-help" variant="body2" color="text.secondary">
          Slide labels and macro photos often show patient names or accession numbers. Keep them hidden when sharing your
          screen or taking screenshots.
        </Typography>

        <Divider sx={{ my: 2 }} />
        <Typography variant="subtitle2" gutterBottom>
          Tile JPEG quality: {quality}
        </Typography>
        <Box sx={{ px: 2 }}>
          <Slider
            value={quality}
            min={10}
            max={100}
            step={1}
            marks={[
              { value: 10, label: '10' },
              { value: 100, label: '100' },
            ]}
            valueLabelDisplay="auto"
            onChange={(_, v) => setQuality(v as number)}
            onChangeCommitted={(_, v) => apply({ tileQuality: v as number })}
            aria-label="Tile JPEG quality"
          />
        </Box>
        <Typography variant="body2" color="text.secondary">
          Higher quality shows finer detail at the cost of slower panning over a network. Applies to tiles rendered from now on.
        </Typography>

        <Divider sx={{ my: 2 }} />
        {open && <InferenceSettings engine={settings.engine} apply={apply} />}

        {info && (
          <>
            <Divider sx={{ my: 2 }} />
            <Typography variant="subtitle2" gutterBottom>
              About
            </Typography>
            <Typography variant="body2" color="text.secondary" component="div">
              Tessella {info.version} · {info.host} on {info.platform}
              <br />
              Data folder: <code>{info.home}</code>
            </Typography>
            <Box sx={{ mt: 1 }}>
              <ReaderStatusList readers={info.readers} />
            </Box>
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
