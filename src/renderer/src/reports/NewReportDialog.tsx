/**
 * Making a report: which slide(s) or run(s), which model, notes and paper. The server answers at
 * once with a queued report and makes it in the background. From the Reports page the dialog
 * then closes (the table shows progress); from a slide or a run it stays to follow the report
 * until it can be opened.
 */
import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Typography from '@mui/material/Typography';
import type { AnalysisParamsInput } from '@shared/contract/analysis';
import type { ReportKind, ReportSummary } from '@shared/contract/reports';
import type { SlideSummary } from '@shared/api';
import { api, errorMessage } from '../api';
import { useSettings } from '../settings/SettingsContext';
import { ModelPicker } from '../analysis/ModelPicker';
import { readRunSettings } from '../analysis/runSettings';
import { readHeatmapStyle } from '../analysis/heatmapStyle';
import { useSlides } from '../slides/useSlides';
import { AnalysisCoverage } from './AnalysisCoverage';
import { ReportFollow } from './ReportFollow';
import { defaultReportOptions, optionsInput, rememberOptions, ReportOptionsFields, type ReportOptions } from './ReportOptionsFields';
import { extraFilePath } from './reportFiles';
import { RunPicker, runName, useRuns } from './RunPicker';
import { SlidePicker } from './SlidePicker';

const csvLabels: Record<ReportKind, string | null> = { slide: 'tile predictions', run: 'per-class metrics', cohort: null };

const missingNotes: Record<ReportKind, string> = {
  slide: 'It is analysed first at the default resolution, which can take a few minutes.',
  cohort: 'Slides without one are analysed first at the default resolution.',
  run: '',
};

export interface ReportPrefill {
  slideIds?: number[];
  model?: string;
  runIds?: number[];
  /** The settings of the analysis the report is started from, so exactly that analysis is reported. */
  params?: AnalysisParamsInput;
}

const titles: Record<ReportKind, string> = { slide: 'New slide report', cohort: 'New cohort report', run: 'New run report' };

const about: Record<ReportKind, string> = {
  slide: 'One slide scored by one model: the slide with its heatmap, class fractions, the most confident tiles and the settings used. When the slide has no analysis with this model yet, it is analysed first.',
  cohort: 'Many slides scored by one model: a table of per-slide labels and class fractions, with the same table as CSV.',
  run: 'A training run: its configuration, learning curves and per-class metrics. Pick several runs to compare them side by side.',
};

export function NewReportDialog({
  open,
  kind,
  prefill,
  follow,
  onClose,
}: {
  open: boolean;
  kind: ReportKind;
  prefill?: ReportPrefill;
  /** Stay open after creating, following the report until it can be opened. */
  follow: boolean;
  onClose: (created: ReportSummary | null) => void;
}) {
  const [created, setCreated] = useState<ReportSummary | null>(null);
  const close = () => {
    onClose(created);
    setCreated(null);
  };
  return (
    <Dialog open={open} onClose={close} maxWidth="sm" fullWidth data-testid="new-report-dialog" data-kind={kind}>
      <DialogTitle>{created ? 'Report' : titles[kind]}</DialogTitle>
      {/* Mounted only while open, so every opening starts from the prefill. */}
      {open &&
        (created ? (
          <ReportFollow reportId={created.id} onClose={close} />
        ) : (
          <ReportForm
            kind={kind}
            prefill={prefill}
            onCancel={close}
            onCreated={(r) => {
              if (follow) setCreated(r);
              else onClose(r);
            }}
          />
        ))}
    </Dialog>
  );
}

function ReportForm({ kind, prefill, onCancel, onCreated }: { kind: ReportKind; prefill?: ReportPrefill; onCancel: () => void; onCreated: (r: ReportSummary) => void }) {
  const [slideIds, setSlideIds] = useState<number[]>(prefill?.slideIds ?? []);
  const [runIds, setRunIds] = useState<number[]>(prefill?.runIds ?? []);
  const [model, setModel] = useState(() => prefill?.model ?? readRunSettings().model);
  const [includeAssociated, setIncludeAssociated] = useState(false);
  const [includeAnnotations, setIncludeAnnotations] = useState(false);
  const [options, setOptions] = useState<ReportOptions>(defaultReportOptions);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { info } = useSettings();
  const slides = useSlides();
  const runs = useRuns();
  // A slide report started from the viewer is about that slide; no list to pick from.
  const fixedSlide = kind === 'slide' && (prefill?.slideIds?.length ?? 0) === 1;

  const ready = kind === 'run' ? runIds.length > 0 : slideIds.length > 0 && model.trim() !== '';

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    rememberOptions(options);
    const subject = options.title.trim() || subjectOf(kind, slideIds, runIds, slides.slides);
    const extra = (ext: 'html' | 'csv') => (info ? extraFilePath(info.home, kind, subject, ext) : undefined);
    const common = {
      ...optionsInput(options),
      ...(options.html ? { html: extra('html') } : {}),
      ...(options.csv && kind !== 'cohort' ? { csv: extra('csv') } : {}),
    };
    try {
      const r =
        kind === 'slide'
          ? await api.call('reports.slide', {
              ...common,
              slideId: slideIds[0]!,
              model: model.trim(),
              includeAssociated,
              includeAnnotations,
              // The heatmap in the PDF in the colours the viewer shows it in.
              colormap: readHeatmapStyle().colormap,
              ...(prefill?.params && model.trim() === prefill.model ? { params: prefill.params } : {}),
            })
          : kind === 'cohort'
            ? await api.call('reports.cohort', { ...common, slideIds, model: model.trim() })
            : await api.call('reports.run', { ...common, runIds });
      onCreated(r);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box component="form" onSubmit={submit} noValidate sx={{ display: 'contents' }}>
      <DialogContent dividers sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
        <Typography variant="body2" color="text.secondary">
          {about[kind]}
        </Typography>
        {kind === 'run' ? (
          <RunSection runs={runs} picked={runIds} onChange={setRunIds} />
        ) : fixedSlide ? (
          <FixedSlide slide={slides.slides?.find((s) => s.id === slideIds[0])} slideId={slideIds[0]!} />
        ) : slides.error ? (
          <Alert severity="error">Could not list the slides: {slides.error}</Alert>
        ) : (
          <SlidePicker slides={slides.slides} picked={slideIds} onChange={setSlideIds} multiple={kind === 'cohort'} />
        )}
        {kind !== 'run' && <ModelPicker value={model} onChange={setModel} testId="report-model" />}
        {kind !== 'run' && (
          <AnalysisCoverage slideIds={slideIds} model={model} onPickModel={fixedSlide ? undefined : setModel} missingNote={missingNotes[kind]} />
        )}
        <ReportOptionsFields value={options} onChange={setOptions} titlePlaceholder="Made from what the report is about" csvLabel={csvLabels[kind]} />
        {kind === 'slide' && (
          <FormControlLabel
            control={<Checkbox checked={includeAnnotations} onChange={(e) => setIncludeAnnotations(e.target.checked)} data-testid="report-include-annotations" />}
            label={
              <Box>
                <Typography variant="body2">Include the slide&apos;s annotations</Typography>
                <Typography variant="caption" color="text.secondary">
                  Each annotation&apos;s class, kind and area, totals per class, and their outlines over the slide.
                </Typography>
              </Box>
            }
          />
        )}
        {kind === 'slide' && (
          <FormControlLabel
            control={<Checkbox checked={includeAssociated} onChange={(e) => setIncludeAssociated(e.target.checked)} data-testid="report-include-associated" />}
            label={
              <Box>
                <Typography variant="body2">Include label and macro images</Typography>
                <Typography variant="caption" color="text.secondary">
                  They can show patient details; leave this off for reports that leave the lab.
                </Typography>
              </Box>
            }
          />
        )}
        {error && (
          <Alert severity="error" data-testid="report-create-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="contained" disabled={!ready || busy} data-testid="report-create">
          Create report
        </Button>
      </DialogActions>
    </Box>
  );
}

/** Names the extra files when the user gave no title: the slide, the runs, or the cohort's size. */
function subjectOf(kind: ReportKind, slideIds: number[], runIds: number[], slides: SlideSummary[] | null): string {
  if (kind === 'run') return `runs ${runIds.join(' ')}`;
  if (kind === 'cohort') return `${slideIds.length} slides`;
  return slides?.find((s) => s.id === slideIds[0])?.name.replace(/\.[^.]+$/, '') ?? `slide ${slideIds[0]}`;
}

function FixedSlide({ slide, slideId }: { slide: SlideSummary | undefined; slideId: number }) {
  return (
    <Typography variant="body2" data-testid="report-fixed-slide">
      Slide: <strong>{slide?.name ?? `#${slideId}`}</strong>
    </Typography>
  );
}

function RunSection({ runs: { runs, error }, picked, onChange }: { runs: ReturnType<typeof useRuns>; picked: number[]; onChange: (ids: number[]) => void }) {
  const names = picked.map((id) => runs?.find((r) => r.id === id)).filter((r) => r !== undefined);
  return (
    <Box>
      <RunPicker runs={runs} error={error} picked={picked} onChange={onChange} />
      {names.length > 1 && (
        <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>
          Compared in this order: {names.map(runName).join(', ')}
        </Typography>
      )}
    </Box>
  );
}
