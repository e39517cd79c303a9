import { useMemo, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import InputAdornment from '@mui/material/InputAdornment';
import Snackbar from '@mui/material/Snackbar';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import InsightsIcon from '@mui/icons-material/Insights';
import SearchIcon from '@mui/icons-material/Search';
import type { SlideSummary } from '@shared/api';
import { AnalysisQueueDialog } from '../analysis/AnalysisQueueDialog';
import { AddSlidesDialog } from './AddSlidesDialog';
import { EmptyLibrary } from './EmptyLibrary';
import { ReaderWarnings } from './ReaderWarnings';
import { RemoveSlideDialog } from './RemoveSlideDialog';
import { SlideCard } from './SlideCard';
import { useSlides } from './useSlides';
import { ListLoadState } from '../shell/ListLoadState';
import { PageHeader } from '../shell/PageHeader';

export function SlidesPage() {
  const { slides, error, refresh } = useSlides();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<SlideSummary | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [analysesOpen, setAnalysesOpen] = useState(false);

  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    if (!slides || !q) return slides;
    return slides.filter((s) => [s.name, s.path, s.format, s.vendor ?? ''].some((v) => v.toLowerCase().includes(q)));
  }, [slides, filter]);

  const missing = slides?.filter((s) => !s.available).length ?? 0;

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }}>
      <PageHeader
        title="Slides"
        subtitle={
          slides && slides.length > 0 ? (
            <>
              {slides.length} slide{slides.length === 1 ? '' : 's'} in the library
              {missing > 0 && ` · ${missing} with missing files`}
            </>
          ) : null
        }
      >
        {slides && slides.length > 0 && (
          <TextField
            size="small"
            placeholder="Filter by name or path"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            slotProps={{
              input: {
                startAdornment: (
                  <InputAdornment position="start">
                    <SearchIcon fontSize="small" />
                  </InputAdornment>
                ),
              },
              htmlInput: { 'aria-label': 'Filter slides' },
            }}
          />
        )}
        <Button variant="outlined" startIcon={<InsightsIcon />} onClick={() => setAnalysesOpen(true)} data-testid="analysis-queue-button">
          Analyses
        </Button>
        <Button variant="contained" startIcon={<AddIcon />} onClick={() => setAdding(true)} data-testid="add-slides-button">
          Add slides
        </Button>
      </PageHeader>

      <ReaderWarnings />

      <ListLoadState loading={slides === null} error={error} what="the library" onRetry={refresh} />

      {slides && slides.length === 0 && <EmptyLibrary onAdd={() => setAdding(true)} />}

      {shown && shown.length === 0 && slides && slides.length > 0 && (
        <Typography color="text.secondary" sx={{ p: 2 }}>
          No slide matches “{filter}”.
        </Typography>
      )}

      {shown && shown.length > 0 && (
        <Box
          data-testid="slide-grid"
          sx={{ display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(230px, 1fr))', alignItems: 'stretch' }}
        >
          {shown.map((slide) => (
            <SlideCard key={slide.id} slide={slide} onRemove={setRemoving} />
          ))}
        </Box>
      )}

      <AnalysisQueueDialog open={analysesOpen} onClose={() => setAnalysesOpen(false)} />
      <AddSlidesDialog open={adding} onClose={() => setAdding(false)} onAdded={(summary) => setNotice(summary)} />
      <RemoveSlideDialog
        slide={removing}
        onClose={(removed) => {
          if (removed && removing) setNotice(`Removed ${removing.name}`);
          setRemoving(null);
        }}
      />
      <Snackbar
        open={notice !== null}
        autoHideDuration={4000}
        onClose={() => setNotice(null)}
        message={notice}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
      />
    </Box>
  );
}
