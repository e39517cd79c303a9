/**
 * A minimal file picker over `fs.list`. Browser mode has no native dialog that reveals real
 * paths, and the server needs paths, so we browse its file system instead. Folders can be
 * opened or ticked (the server scans ticked folders recursively); only slide-like files tick.
 * With `purpose="folder"` it picks one destination folder instead (an export): only folders tick
 * and its words say so rather than speaking of slides.
 */
import { useCallback, useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import LinearProgress from '@mui/material/LinearProgress';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import ArrowUpwardIcon from '@mui/icons-material/ArrowUpward';
import FolderIcon from '@mui/icons-material/Folder';
import InsertDriveFileIcon from '@mui/icons-material/InsertDriveFile';
import HomeIcon from '@mui/icons-material/Home';
import type { CallOutput } from '@shared/api';
import { api, errorMessage } from '../api';
import { formatBytes } from '../format';

type Listing = CallOutput<'fs.list'>;

/** Enough for any real slide folder; beyond this the user should tick the folder instead. */
const maxShown = 500;

export function FolderBrowser({
  dir,
  onDirChange,
  selected,
  onToggle,
  purpose = 'slides',
}: {
  /** Folder to show; undefined means the server's default (the home folder). */
  dir: string | undefined;
  onDirChange: (dir: string | undefined) => void;
  selected: ReadonlySet<string>;
  onToggle: (path: string) => void;
  /** slides: tick folders and slide files to add; folder: choose the folder something is written to. */
  purpose?: 'slides' | 'folder';
}) {
  const forSlides = purpose === 'slides';
  const [listing, setListing] = useState<Listing | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback((target: string | undefined) => {
    let live = true;
    setLoading(true);
    setError(null);
    api.call('fs.list', target === undefined ? {} : { dir: target }).then(
      (result) => {
        if (!live) return;
        setListing(result);
        setLoading(false);
      },
      (err) => {
        if (!live) return;
        // Drop the old listing so the error is not shown above entries from another folder.
        setListing(null);
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => load(dir), [dir, load]);

  const entries = listing?.entries ?? [];
  const slideFiles = entries.filter((e) => e.kind === 'file' && e.slideLike).length;

  return (
    <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, overflow: 'hidden' }} data-testid="folder-browser">
      <Stack direction="row" spacing={1} sx={{ p: 1, alignItems: 'center', bgcolor: 'action.hover' }}>
        <Tooltip title="Home folder">
          <span>
            <Button size="small" onClick={() => onDirChange(undefined)} sx={{ minWidth: 0 }} aria-label="Home folder">
              <HomeIcon fontSize="small" />
            </Button>
          </span>
        </Tooltip>
        <Tooltip title="Parent folder">
          <span>
            <Button
              size="small"
              disabled={!listing?.parent}
              onClick={() => listing?.parent && onDirChange(listing.parent)}
              sx={{ minWidth: 0 }}
              aria-label="Parent folder"
            >
              <ArrowUpwardIcon fontSize="small" />
            </Button>
          </span>
        </Tooltip>
        <Typography variant="body2" sx={{ flex: 1, fontFamily: 'monospace', wordBreak: 'break-all' }} data-testid="folder-browser-dir">
          {listing?.dir ?? (dir || '…')}
        </Typography>
        {listing && (
          <Button
            size="small"
            variant={selected.has(listing.dir) ? 'contained' : 'outlined'}
            onClick={() => onToggle(listing.dir)}
            data-testid="folder-browser-tick-folder"
          >
            {forSlides ? (selected.has(listing.dir) ? 'Folder ticked' : 'Tick this folder') : selected.has(listing.dir) ? 'Folder chosen' : 'Use this folder'}
          </Button>
        )}
      </Stack>
      <Box sx={{ height: 3 }}>{loading && <LinearProgress />}</Box>
      {error && (
        <Alert severity="error" sx={{ m: 1 }}>
          {error}
        </Alert>
      )}
      <List dense disablePadding sx={{ height: 280, overflow: 'auto' }}>
        {listing && entries.length === 0 && !loading && (
          <Typography variant="body2" color="text.secondary" sx={{ p: 2 }}>
            This folder is empty.
          </Typography>
        )}
        {entries.slice(0, maxShown).map((entry) => {
          const tickable = entry.kind === 'dir' || (forSlides && entry.slideLike);
          const checkbox = (
            <Checkbox
              edge="start"
              size="small"
              checked={selected.has(entry.path)}
              disabled={!tickable}
              onChange={() => onToggle(entry.path)}
              slotProps={{ input: { 'aria-label': `Tick ${entry.name}` } }}
            />
          );
          return (
            <ListItem key={entry.path} disablePadding sx={{ pl: 1 }}>
              {checkbox}
              {entry.kind === 'dir' ? (
                <ListItemButton onClick={() => onDirChange(entry.path)} sx={{ py: 0.25 }}>
                  <ListItemIcon sx={{ minWidth: 32 }}>
                    <FolderIcon fontSize="small" color="primary" />
                  </ListItemIcon>
                  <ListItemText primary={entry.name} />
                </ListItemButton>
              ) : (
                <ListItemButton onClick={() => tickable && onToggle(entry.path)} disabled={!tickable} sx={{ py: 0.25 }}>
                  <ListItemIcon sx={{ minWidth: 32 }}>
                    <InsertDriveFileIcon fontSize="small" color={tickable ? 'secondary' : 'disabled'} />
                  </ListItemIcon>
                  <ListItemText primary={entry.name} secondary={entry.size !== undefined ? formatBytes(entry.size) : undefined} />
                </ListItemButton>
              )}
            </ListItem>
          );
        })}
        {entries.length > maxShown && (
          <Typography variant="body2" color="text.secondary" sx={{ p: 2 }}>
            {entries.length - maxShown} more entries not shown
            {forSlides ? ' — tick the folder to add everything in it.' : '.'}
          </Typography>
        )}
      </List>
      {listing && (
        <Typography variant="caption" color="text.secondary" sx={{ display: 'block', px: 1.5, py: 0.5, borderTop: 1, borderColor: 'divider' }}>
          {forSlides
            ? `${slideFiles === 0 ? 'No slide files in this folder' : `${slideFiles} slide file${slideFiles === 1 ? '' : 's'} here`} · click a folder to open it, tick it to add everything inside`
            : 'Click a folder to open it; tick it (or “Use this folder”) to write there. A folder that does not exist yet can be typed above.'}
        </Typography>
      )}
    </Box>
  );
}
