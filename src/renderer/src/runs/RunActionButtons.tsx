/**
 * What can be done to a run, as icon buttons: open, cancel (queued or running), resume
 * (interrupted, cancelled, failed), export and delete. Cancel and resume act at once; export and
 * delete ask first, in dialogs the page owns.
 */
import { useEffect, useState } from 'react';
import CircularProgress from '@mui/material/CircularProgress';
import IconButton from '@mui/material/IconButton';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import DriveFileMoveIcon from '@mui/icons-material/DriveFileMoveOutlined';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import ReplayIcon from '@mui/icons-material/Replay';
import StopIcon from '@mui/icons-material/Stop';
import type { RunSummary } from '@shared/contract/training';
import { api, errorMessage } from '../api';
import { href } from '../router';
import { resumable, stoppable } from './formatRun';

export function RunActionButtons({
  run,
  onChanged,
  onError,
  onExport,
  onDelete,
  showOpen = true,
}: {
  run: RunSummary;
  onChanged: () => void;
  onError: (message: string) => void;
  onExport: (run: RunSummary) => void;
  onDelete: (run: RunSummary) => void;
  showOpen?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  // a cancel asked for holds until the run leaves queued/running: the worker finishes its pass first
  const [cancelAsked, setCancelAsked] = useState(false);
  const underWay = stoppable(run.status);
  useEffect(() => {
    if (!underWay) setCancelAsked(false);
  }, [underWay]);
  const cancelling = underWay && cancelAsked;

  const act = async (what: 'runs.cancel' | 'runs.resume') => {
    setBusy(true);
    if (what === 'runs.cancel') setCancelAsked(true);
    try {
      await api.call(what, { id: run.id });
      onChanged();
    } catch (err) {
      setCancelAsked(false);
      onError(`${what === 'runs.cancel' ? 'Cancel' : 'Resume'} failed: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  // a click on a button must not also open the row it sits in
  const stop = (e: { stopPropagation(): void }) => e.stopPropagation();

  return (
    <Stack direction="row" spacing={0.25} onClick={stop} sx={{ justifyContent: 'flex-end' }}>
      {showOpen && (
        <Tooltip title="Open">
          <IconButton size="small" href={href.run(run.id)} data-testid="run-open" aria-label="Open run">
            <OpenInNewIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      )}
      {stoppable(run.status) && (
        <Tooltip title={cancelling ? 'Cancelling…: the run stops after its current pass' : 'Cancel (the last checkpoint stays for a resume)'}>
          <span>
            <IconButton
              size="small"
              color="error"
              onClick={() => act('runs.cancel')}
              disabled={busy || cancelling}
              data-testid="run-cancel"
              data-cancelling={cancelling}
              aria-label={cancelling ? 'Cancelling run' : 'Cancel run'}
            >
              {cancelling ? <CircularProgress size={16} color="inherit" /> : <StopIcon fontSize="small" />}
            </IconButton>
          </span>
        </Tooltip>
      )}
      {resumable(run.status) && (
        <Tooltip title="Resume from the last checkpoint">
          <span>
            <IconButton size="small" color="primary" onClick={() => act('runs.resume')} disabled={busy} data-testid="run-resume" aria-label="Resume run">
              <ReplayIcon fontSize="small" />
            </IconButton>
          </span>
        </Tooltip>
      )}
      <Tooltip title={run.bestEpoch === null ? 'Export (no checkpoint yet: configuration and metrics only)' : 'Export to a folder (HuggingFace format)'}>
        <IconButton size="small" onClick={() => onExport(run)} data-testid="run-export" aria-label="Export run">
          <DriveFileMoveIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Delete">
        <IconButton size="small" onClick={() => onDelete(run)} data-testid="run-delete" aria-label="Delete run">
          <DeleteOutlineIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </Stack>
  );
}
