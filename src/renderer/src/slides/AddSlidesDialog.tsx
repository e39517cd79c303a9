/**
 * Adding slides: paste a path, or tick files/folders in the browser, or both. The server does
 * the checking (exists? readable? a slide?) and reports per path; we show its words as-is
 * because it knows the reason (missing OpenSlide, unsupported format, permission...).
 */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import InputAdornment from '@mui/material/InputAdornment';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import FolderOpenIcon from '@mui/icons-material/FolderOpen';
import type { CallOutput } from '@shared/api';
import { api, errorMessage } from '../api';
import { useSettings } from '../settings/SettingsContext';
import { FolderBrowser } from './FolderBrowser';

type AddResult = CallOutput<'slides.add'>;

export function AddSlidesDialog({
  open,
  onClose,
  onAdded,
}: {
  open: boolean;
  onClose: () => void;
  /** Called when everything asked for went in cleanly; the dialog closes itself then. */
  onAdded: (summary: string) => void;
}) {
  const { info } = useSettings();
  const [pathText, setPathText] = useState('');
  const [ticked, setTicked] = useState<string[]>([]);
  const [browseDir, setBrowseDir] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const [result, setResult] = useState<AddResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  // Folder scans can take a while; the server may report progress as a job while the call runs.
  useEffect(() => {
    if (!busy) return;
    return api.on('job.progress', (p) => {
      if (p.state === 'running') setProgress(p.message ?? `${p.done} / ${p.total}`);
    });
  }, [busy]);

  const reset = () => {
    setPathText('');
    setTicked([]);
    setResult(null);
    setFailure(null);
    setProgress(null);
  };

  const close = () => {
    if (busy) return;
    reset();
    onClose();
  };

  const toggle = (path: string) => setTicked((list) => (list.includes(path) ? list.filter((p) => p !== path) : [...list, path]));

  const typed = pathText.trim();
  // What is ticked is what is added; the typed path only when nothing is ticked (it is often
  // just where the user browsed to, and adding it too would add the whole folder on top).
  const paths = ticked.length ? ticked : typed ? [typed] : [];

  const submit = async (plainImages: 'ask' | 'add' = 'ask', only?: string[]) => {
    const asked = only ?? paths;
    if (asked.length === 0 || busy) return;
    setBusy(true);
    setResult(null);
    setFailure(null);
    setProgress(null);
    try {
      const res = await api.call('slides.add', { paths: asked, plainImages });
      if (res.errors.length === 0 && res.skipped.length === 0 && res.heldImages.length === 0) {
        onAdded(summarize(res));
        reset();
        onClose();
      } else {
        setResult(res);
        // Keep only what failed, so fixing and resubmitting does not re-add the rest.
        const failed = new Set(res.errors.map((e) => e.path));
        setTicked((list) => list.filter((p) => failed.has(p)));
        if (typed && !failed.has(typed)) setPathText('');
      }
    } catch (err) {
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={close} maxWidth="md" fullWidth data-testid="add-slides-dialog">
      <DialogTitle>Add slides</DialogTitle>
      <DialogContent dividers>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          Paste the path of a slide file or a folder (folders are searched, including subfolders), or pick them below.
          Slides are referenced where they are, not copied.
          {info?.supportedFormats ? ` Supported: ${info.supportedFormats}.` : ''}
        </Typography>
        <TextField
          fullWidth
          autoFocus
          label="File or folder path"
          placeholder="/data/slides/case-042.svs"
          value={pathText}
          onChange={(e) => setPathText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void submit();
            }
          }}
          slotProps={{
            htmlInput: { 'data-testid': 'add-slides-path', spellCheck: false, autoComplete: 'off' },
            input: {
              sx: { fontFamily: 'monospace' },
              endAdornment: (
                <InputAdornment position="end">
                  <Tooltip title="Open this folder in the browser below">
                    <span>
                      <IconButton
                        aria-label="Browse to this folder"
                        disabled={!typed}
                        onClick={() => {
                          setBrowseDir(typed);
                          setPathText('');
                        }}
                        edge="end"
                        data-testid="add-slides-browse"
                      >
                        <FolderOpenIcon />
                      </IconButton>
                    </span>
                  </Tooltip>
                </InputAdornment>
              ),
            },
          }}
        />
        <Box sx={{ mt: 2 }}>
          <FolderBrowser dir={browseDir} onDirChange={setBrowseDir} selected={new Set(ticked)} onToggle={toggle} />
        </Box>
        {ticked.length > 0 && (
          <Box sx={{ mt: 2 }}>
            <Typography variant="subtitle2" gutterBottom>
              Ticked ({ticked.length})
            </Typography>
            <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.5, maxHeight: 96, overflow: 'auto' }}>
              {ticked.map((p) => (
                <Chip key={p} size="small" label={p} onDelete={() => toggle(p)} sx={{ fontFamily: 'monospace', maxWidth: '100%' }} />
              ))}
            </Stack>
          </Box>
        )}
        {busy && (
          <Box sx={{ mt: 2 }}>
            <LinearProgress />
            <Typography variant="caption" color="text.secondary">
              {progress ?? 'Opening slides…'}
            </Typography>
          </Box>
        )}
        {failure && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="add-slides-failure">
            {failure}
          </Alert>
        )}
        {result && <AddResultReport result={result} onAddHeld={(folders) => void submit('add', folders)} busy={busy} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={close} disabled={busy}>
          {result ? 'Close' : 'Cancel'}
        </Button>
        <Button variant="contained" onClick={() => void submit()} disabled={busy || paths.length === 0} data-testid="add-slides-submit">
          {ticked.length ? `Add ${ticked.length} ticked` : 'Add'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

function summarize(res: AddResult): string {
  const parts: string[] = [];
  if (res.added.length) parts.push(`Added ${res.added.length} slide${res.added.length === 1 ? '' : 's'}`);
  if (res.existing.length) parts.push(`${res.existing.length} already in the library`);
  return parts.join(' · ') || 'No slide files added';
}

function AddResultReport({ result, onAddHeld, busy }: { result: AddResult; onAddHeld: (folders: string[]) => void; busy: boolean }) {
  const held = result.heldImages.reduce((n, h) => n + h.count, 0);
  return (
    <Box sx={{ mt: 2 }} data-testid="add-slides-result">
      <Alert severity={result.added.length > 0 || result.existing.length > 0 ? 'success' : 'info'} sx={{ mb: 1 }} data-testid="add-slides-summary">
        {summarize(result)}
      </Alert>
      {held > 0 && (
        <Alert
          severity="warning"
          sx={{ mb: 1 }}
          data-testid="add-slides-held"
          action={
            <Button color="inherit" size="small" disabled={busy} onClick={() => onAddHeld(result.heldImages.map((h) => h.folder))} data-testid="add-slides-add-held">
              Add them as slides
            </Button>
          }
        >
          <AlertTitle>
            {held.toLocaleString('en-US')} plain images held back
          </AlertTitle>
          {result.heldImages.map((h) => h.folder).join(', ')} hold{result.heldImages.length === 1 ? 's' : ''} many JPEG/PNG images: a patch set is
          better imported as a dataset (Datasets → Import). Add them as slides only if each is a whole image to view and analyse.
        </Alert>
      )}
      {result.skipped.length > 0 && (
        <Alert severity="info" sx={{ mb: 1 }} data-testid="add-slides-skipped">
          <AlertTitle>
            {result.skipped.length} file{result.skipped.length === 1 ? '' : 's'} skipped
          </AlertTitle>
          <Box component="ul" sx={{ m: 0, pl: 2, maxHeight: 140, overflow: 'auto' }}>
            {result.skipped.slice(0, 200).map((e) => (
              <li key={e.path}>
                <Box component="span" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
                  {e.path}
                </Box>
                : {e.reason}
              </li>
            ))}
            {result.skipped.length > 200 && <li>and {result.skipped.length - 200} more</li>}
          </Box>
        </Alert>
      )}
      {result.errors.length > 0 && <ErrorList result={result} />}
    </Box>
  );
}

function ErrorList({ result }: { result: AddResult }) {
  return (
    <>
      <Alert severity="error" data-testid="add-slides-errors">
        <AlertTitle>
          {result.errors.length} path{result.errors.length === 1 ? '' : 's'} could not be added
        </AlertTitle>
        <Box component="ul" sx={{ m: 0, pl: 2, maxHeight: 180, overflow: 'auto' }}>
          {result.errors.map((e) => (
            <li key={e.path}>
              <Box component="span" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
                {e.path}
              </Box>
              : {e.message}
            </li>
          ))}
        </Box>
      </Alert>
    </>
  );
}
