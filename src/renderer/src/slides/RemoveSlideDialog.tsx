import type { SlideSummary } from '@shared/api';
import { api } from '../api';
import { ConfirmRemoveDialog } from '../shell/ConfirmRemoveDialog';

export function RemoveSlideDialog({ slide, onClose }: { slide: SlideSummary | null; onClose: (removed: boolean) => void }) {
  return (
    <ConfirmRemoveDialog
      open={slide !== null}
      title="Remove slide?"
      remove={() => api.call('slides.remove', { id: slide!.id })}
      onClose={onClose}
      confirmTestId="remove-confirm"
    >
      <strong>{slide?.name}</strong> will be removed from the Tessella library. The file itself stays where it is and can
      be added again later.
    </ConfirmRemoveDialog>
  );
}
