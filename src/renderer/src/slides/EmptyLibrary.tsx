import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import AddPhotoAlternateIcon from '@mui/icons-material/AddPhotoAlternate';
import CollectionsIcon from '@mui/icons-material/Collections';
import ModelTrainingIcon from '@mui/icons-material/ModelTraining';
import SlideshowIcon from '@mui/icons-material/Slideshow';
import { api, errorMessage } from '../api';
import { href, navigate } from '../router';
import { useSettings } from '../settings/SettingsContext';

/** One thing to do first: what it is, and the button that starts it. */
function Step({ icon, title, text, action }: { icon: React.ReactNode; title: string; text: React.ReactNode; action: React.ReactNode }) {
  return (
    <Stack direction="row" spacing={2} sx={{ alignItems: 'center', textAlign: 'left', py: 1.5 }}>
      <Box sx={{ color: 'text.secondary', display: 'flex' }}>{icon}</Box>
      <Box sx={{ flex: 1 }}>
        <Typography variant="subtitle1">{title}</Typography>
        <Typography variant="body2" color="text.secondary">
          {text}
        </Typography>
      </Box>
      {action}
    </Stack>
  );
}

/**
 * First run: the library is empty, so the page says what to do (add slides, import a dataset, pull
 * a model) and, when an installer or checkout ships one in resources/sample/, offers a sample slide.
 */
export function EmptyLibrary({ onAdd }: { onAdd: () => void }) {
  const { info } = useSettings();
  const sample = info?.sampleSlides[0];
  const [opening, setOpening] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function openSample() {
    if (!sample) return;
    setOpening(true);
    setError(null);
    try {
      const r = await api.call('slides.add', { paths: [sample.path] });
      const slide = r.added[0] ?? r.existing[0];
      if (slide) navigate(href.viewer(slide.id));
      else setError(r.errors[0] ? `${sample.name}: ${r.errors[0].message}` : `${sample.name} could not be added`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setOpening(false);
    }
  }

  return (
    <Box
      data-testid="slides-empty"
      sx={{ border: 2, borderStyle: 'dashed', borderColor: 'divider', borderRadius: 2, p: 4, maxWidth: 720, mx: 'auto', mt: 4 }}
    >
      <Box sx={{ textAlign: 'center', mb: 2 }}>
        <AddPhotoAlternateIcon sx={{ fontSize: 48, color: 'text.disabled' }} />
        <Typography variant="h6" sx={{ mt: 1 }}>
          Your slide library is empty
        </Typography>
        <Typography color="text.secondary" sx={{ mt: 1 }}>
          Everything stays on this computer. Start with any of these:
        </Typography>
      </Box>
      {sample && (
        <Step
          icon={<SlideshowIcon />}
          title="Try the sample slide"
          text={`${sample.name}, shipped with Tessella: open it in the viewer at once.`}
          action={
            <Button data-testid="empty-open-sample" variant="contained" onClick={() => void openSample()} disabled={opening}>
              {opening ? 'Opening…' : 'Open sample'}
            </Button>
          }
        />
      )}
      <Step
        icon={<AddPhotoAlternateIcon />}
        title="Add slides"
        text={
          <>
            Whole-slide images or folders of them, by path or by browsing. Tessella reads slides where they are; nothing is
            copied or changed.
            {info?.supportedFormats && <> Supported formats: {info.supportedFormats}.</>}
          </>
        }
        action={
          <Button data-testid="empty-add-slides" variant={sample ? 'outlined' : 'contained'} onClick={onAdd}>
            Add slides
          </Button>
        }
      />
      <Step
        icon={<CollectionsIcon />}
        title="Import a dataset"
        text="A folder of labelled patches (one sub-folder per class) to train a classifier on."
        action={
          <Button data-testid="empty-go-datasets" variant="outlined" href={href.page('datasets')}>
            Datasets
          </Button>
        }
      />
      <Step
        icon={<ModelTrainingIcon />}
        title="Pull a model"
        text="A pathology foundation model or a ViT / ResNet from the Hugging Face Hub, or a model folder on disk, to analyse slides or fine-tune."
        action={
          <Button data-testid="empty-go-models" variant="outlined" href={href.page('models')}>
            Models
          </Button>
        }
      />
      {error && (
        <Alert severity="error" sx={{ mt: 2 }} data-testid="empty-sample-error">
          {error}
        </Alert>
      )}
    </Box>
  );
}
