import type { DatasetSummary } from '@shared/contract/datasets';
import { api } from '../api';
import { ConfirmRemoveDialog } from '../shell/ConfirmRemoveDialog';

/** Confirms forgetting a dataset: its labels, splits and suggestions go, its image files stay. */
export function RemoveDatasetDialog({ dataset, onClose }: { dataset: DatasetSummary | null; onClose: (removed: boolean) => void }) {
  return (
    <ConfirmRemoveDialog
      open={dataset !== null}
      title="Remove dataset?"
      remove={() => api.call('datasets.remove', { id: dataset!.id })}
      onClose={onClose}
      confirmTestId="dataset-remove-confirm"
    >
      <strong>{dataset?.name}</strong> will be removed from Tessella with its {dataset?.images.toLocaleString('en-US')} image
      records, labels, splits and model suggestions. The image files stay where they are and can be imported again.
    </ConfirmRemoveDialog>
  );
}
