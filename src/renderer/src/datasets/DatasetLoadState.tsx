import { href } from '../router';
import { DetailLoadState } from '../shell/DetailLoadState';

/** What the dataset and labelling pages show while their dataset loads, or why it did not. */
export function DatasetLoadState({ datasetId, error }: { datasetId: number; error: { notFound: boolean; message: string } | null }) {
  return (
    <DetailLoadState
      error={error}
      failed="Could not load the dataset"
      missing={`There is no dataset ${datasetId}; it may have been removed.`}
      back={{ href: href.page('datasets'), label: 'All datasets' }}
    />
  );
}
