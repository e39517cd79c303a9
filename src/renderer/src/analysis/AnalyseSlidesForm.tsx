/**
 * Queue many slides at once: tick slides of the library, pick a model and resolution, start.
 * Slides with no pixel size are marked; the server refuses them until their mpp is set in the viewer.
 */
import { useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import { api, errorCode, errorMessage } from '../api';
import { asSentence, ImageTypeMismatchDialog } from './ImageTypeMismatchDialog';
import { useSlides } from '../slides/useSlides';
import { ModelPicker } from './ModelPicker';
import { ResolutionFields } from './ResolutionFields';
import { readRunSettings, toParams, writeRunSettings, type RunSettings } from './runSettings';
import { useModels } from './useModels';
import { useSettings } from '../settings/SettingsContext';

export function AnalyseSlidesForm({ onQueued }: { onQueued: () => void }) {
  const { slides } = useSlides();
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [settings, setSettingsState] = useState<RunSettings>(readRunSettings);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [mismatch, setMismatch] = useState<string | null>(null);
  const { options } = useModels();
  const setSettings = (next: RunSettings) => {
    setSettingsState(next);
    writeRunSettings(next);
  };
  const { settings: app } = useSettings();
  const parsed = useMemo(() => toParams(settings, undefined, app.engine.precision), [settings, app.engine.precision]);
  const usable = slides?.filter((s) => s.available) ?? [];
  const allPicked = usable.length > 0 && usable.every((s) => picked.has(s.id));

  const toggle = (id: number) =>
    setPicked((set) => {
      const next = new Set(set);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const start = async (allowImageTypeMismatch = false) => {
    if (!('params' in parsed)) return;
    setBusy(true);
    setMessage(null);
    try {
      const params = allowImageTypeMismatch ? { ...parsed.params, allowImageTypeMismatch } : parsed.params;
      const { analyses } = await api.call('analysis.enqueue', { slideIds: [...picked], model: settings.model.trim(), params });
      const reused = analyses.filter((a) => a.status === 'completed').length;
      setMessage({ ok: true, text: `Queued ${analyses.length - reused} slide${analyses.length - reused === 1 ? '' : 's'}${reused ? `; ${reused} already analysed with these settings` : ''}.` });
      setPicked(new Set());
      onQueued();
    } catch (err) {
      // A slide of another image type than the model's: the user chooses (nothing was queued).
      if (errorCode(err) === 'image-type-mismatch') setMismatch(asSentence(errorMessage(err)));
      else setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'center' }}>
        <Checkbox
          size="small"
          checked={allPicked}
          indeterminate={!allPicked && picked.size > 0}
          onChange={() => setPicked(allPicked ? new Set() : new Set(usable.map((s) => s.id)))}
          inputProps={{ 'aria-label': 'Select every slide' }}
        />
        <Typography variant="body2" sx={{ flex: 1 }}>
          {picked.size} of {usable.length} slides selected
        </Typography>
      </Box>
      <List dense sx={{ maxHeight: 200, overflowY: 'auto', border: 1, borderColor: 'divider', borderRadius: 1 }} data-testid="analyse-slides-list">
        {usable.map((s) => (
          <ListItemButton key={s.id} onClick={() => toggle(s.id)} sx={{ py: 0 }}>
            <ListItemIcon sx={{ minWidth: 36 }}>
              <Checkbox size="small" edge="start" checked={picked.has(s.id)} tabIndex={-1} disableRipple />
            </ListItemIcon>
            <ListItemText primary={s.name} secondary={s.mpp ? null : 'No pixel size: set it in the viewer first'} />
          </ListItemButton>
        ))}
      </List>
      <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, mt: 2 }}>
        <ModelPicker value={settings.model} onChange={(model) => setSettings({ ...settings, model })} testId="analyse-slides-model" />
        <Box>
          <ResolutionFields value={settings} onChange={setSettings} trainedMpp={options.find((o) => o.ref === settings.model)?.trainedMpp ?? null}
            testPrefix="analyse-slides"
          />
        </Box>
      </Box>
      {'error' in parsed && <Alert severity="error">{parsed.error}</Alert>}
      {message && (
        <Alert severity={message.ok ? 'success' : 'error'} sx={{ mt: 1 }}>
          {message.text}
        </Alert>
      )}
      <Button
        variant="contained"
        startIcon={<PlayArrowIcon />}
        onClick={() => void start()}
        disabled={busy || picked.size === 0 || !settings.model.trim() || !('params' in parsed)}
        sx={{ mt: 1 }}
        data-testid="analyse-slides-start"
      >
        Analyse {picked.size || ''} selected
      </Button>
      <ImageTypeMismatchDialog
        message={mismatch}
        onCancel={() => setMismatch(null)}
        onProceed={() => {
          setMismatch(null);
          void start(true);
        }}
      />
    </Box>
  );
}
