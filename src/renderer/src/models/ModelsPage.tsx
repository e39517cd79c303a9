/**
 * The Models page: the pathology foundation models Tessella knows (with licences, pulled from the
 * Hugging Face Hub with progress and stop), and the models on disk with their facts.
 */
import { useCallback, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { CatalogueModel, PullProgress, RegisteredModel } from '@shared/contract/models';
import { api, errorMessage } from '../api';
import { ListLoadState } from '../shell/ListLoadState';
import { PageHeader } from '../shell/PageHeader';
import { useListLoad } from '../shell/useListLoad';
import { CatalogueTable } from './CatalogueTable';
import { LocalModelsTable } from './LocalModelsTable';
import { PullDialog } from './PullDialog';
import { usePulls } from './usePulls';

export function ModelsPage() {
  const catalogue = useListLoad<CatalogueModel>(() => api.call('models.catalogue', {}).then((r) => r.models));
  const local = useListLoad<RegisteredModel>(() => api.call('models.list', {}).then((r) => r.models));
  const refreshAll = useCallback(() => {
    catalogue.refresh();
    local.refresh();
  }, [catalogue.refresh, local.refresh]);
  const { pulls, started } = usePulls(refreshAll);
  const [pulling, setPulling] = useState<CatalogueModel | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const cancel = (p: PullProgress) => {
    api.call('models.pullCancel', { jobId: p.jobId }).catch((e) => setActionError(errorMessage(e)));
  };

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }} data-testid="models-page">
      <PageHeader
        title="Models"
        subtitle="Pathology foundation models to use as frozen backbones, and the models on this machine. Weights are pulled from the Hugging Face Hub under each model's licence; Tessella never ships them."
      />
      {actionError && (
        <Alert severity="error" sx={{ mb: 2 }} onClose={() => setActionError(null)}>
          {actionError}
        </Alert>
      )}
      <Typography variant="h6" sx={{ mt: 1, mb: 1 }}>
        Catalogue
      </Typography>
      <ListLoadState loading={catalogue.items === null} error={catalogue.error} what="the catalogue" onRetry={catalogue.refresh} />
      {catalogue.items && <CatalogueTable models={catalogue.items} pulls={pulls} onPull={setPulling} onCancel={cancel} />}

      <Typography variant="h6" sx={{ mt: 4, mb: 1 }}>
        On this machine
      </Typography>
      <ListLoadState loading={local.items === null} error={local.error} what="the models" onRetry={local.refresh} />
      {local.items && local.items.length === 0 && (
        <Typography color="text.secondary" data-testid="models-empty">
          No models yet. Pull one from the catalogue, import a HuggingFace or timm folder (<code>tessella model import DIR</code>), or train one on
          the Training page.
        </Typography>
      )}
      {local.items && local.items.length > 0 && <LocalModelsTable models={local.items} />}

      <PullDialog
        model={pulling}
        onClose={(s) => {
          setPulling(null);
          if (s) started(s);
        }}
      />
    </Box>
  );
}
