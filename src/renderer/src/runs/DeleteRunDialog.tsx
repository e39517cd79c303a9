import type { RunSummary } from '@shared/contract/training';
import { api } from '../api';
import { ConfirmRemoveDialog } from '../shell/ConfirmRemoveDialog';
import { runTitle, stoppable } from './formatRun';

/** Asks before deleting a run: its metrics and checkpoints go too (a running run is stopped first). */
export function DeleteRunDialog({ run, onClose }: { run: RunSummary | null; onClose: (deleted: boolean) => void }) {
  return (
    <ConfirmRemoveDialog
      open={run !== null}
      title="Delete this run?"
      remove={() => api.call('runs.delete', { id: run!.id })}
      onClose={onClose}
      confirmTestId="run-delete-confirm"
    >
      {run && (
        <>
          “{runTitle(run)}” will be deleted with its recorded metrics and its checkpoints{stoppable(run.status) ? ', after it is stopped' : ''}. A model
          it registered stays usable where analyses still need it. Exported folders are not touched.
        </>
      )}
    </ConfirmRemoveDialog>
  );
}
