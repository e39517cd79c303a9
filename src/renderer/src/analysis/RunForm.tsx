/**
 * "New analysis" for the open slide: model, resolution, overlap and least tissue, with the tile
 * counts analysis.plan gives for them, then Start (analysis.enqueue). The tissue thresholds set
 * in the tissue section are used too, so what the overlay shows is what gets classified.
 */
import { useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Typography from '@mui/material/Typography';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import type { TissueParams } from '@shared/contract/analysis';
import { formatCount, magnificationOf } from './formatAnalysis';
import { asSentence, ImageTypeMismatchDialog } from './ImageTypeMismatchDialog';
import { ModelAtChanceDialog } from './ModelAtChanceDialog';
import { ModelPicker } from './ModelPicker';
import { ResolutionFields } from './ResolutionFields';
import { readRunSettings, toParams, writeRunSettings, type RunSettings } from './runSettings';
import { SlideMppPrompt } from './SlideMppPrompt';
import { chanceWarning, useModels } from './useModels';
import { usePlan } from './usePlan';
import { EngineLine } from './EngineLine';
import { useSettings } from '../settings/SettingsContext';
import { useEngineStatus } from '../settings/useEngineStatus';
import type { SlideAnalyses } from './useSlideAnalyses';

export function RunForm({ slideId, pixelSize, runs, tissue }: { slideId: number; pixelSize: string | null; runs: SlideAnalyses; tissue: TissueParams }) {
  const [settings, setSettingsState] = useState<RunSettings>(readRunSettings);
  const [planVersion, setPlanVersion] = useState(0);
  const [askMismatch, setAskMismatch] = useState(false);
  const [askChance, setAskChance] = useState(false);
  const setSettings = (next: RunSettings) => {
    setSettingsState(next);
    writeRunSettings(next);
  };
  const { settings: app } = useSettings();
  const engine = useEngineStatus(app.engine.provider).status?.onnx.choice;
  const parsed = useMemo(() => toParams(settings, tissue, app.engine.precision), [settings, tissue, app.engine.precision]);
  const params = 'params' in parsed ? parsed.params : null;
  // A pixel size typed in anywhere (metadata panel, CLI) changes the plan's tile size.
  const plan = usePlan(slideId, settings.model, params, `${planVersion}:${pixelSize ?? ''}`);
  const { options } = useModels();
  const picked = options.find((o) => o.ref === settings.model);
  const trainedMpp = picked?.trainedMpp ?? null;
  const atChance = picked ? chanceWarning(picked.title, picked.quality) : null;
  // Each warning is its own confirm, in turn: the model's quality, then the image type.
  const afterChance = () => {
    if (!params) return;
    if (plan.imageTypeMismatch) setAskMismatch(true);
    else void runs.start(settings.model.trim(), params);
  };
  const g = plan.grid;

  return (
    <Box>
      <ModelPicker value={settings.model} onChange={(model) => setSettings({ ...settings, model })} />
      <Box sx={{ mt: 1.5 }}>
        <ResolutionFields value={settings} onChange={setSettings} trainedMpp={trainedMpp} />
      </Box>
      {'error' in parsed && (
        <Alert severity="error" sx={{ mt: 1 }}>
          {parsed.error}
        </Alert>
      )}
      {plan.needsSlideMpp && <SlideMppPrompt slideId={slideId} onSet={() => setPlanVersion((v) => v + 1)} />}
      {atChance && (
        <Alert severity="warning" sx={{ mt: 1 }} data-testid="analysis-model-chance-warning">
          {atChance}
        </Alert>
      )}
      {plan.imageTypeMismatch && (
        <Alert severity="warning" sx={{ mt: 1 }} data-testid="analysis-image-type-warning">
          {asSentence(plan.imageTypeMismatch)}
        </Alert>
      )}
      {plan.error && (
        <Alert severity="error" sx={{ mt: 1 }} data-testid="analysis-plan-error">
          {plan.error}
        </Alert>
      )}
      <Box sx={{ mt: 1 }}>
        <EngineLine
          testId="analysis-engine"
          provider={engine?.chosen ?? null}
          precision={app.engine.precision}
          reason={engine?.reason}
          fallback={engine?.pinned && !engine.pinned.providers.includes(engine.chosen) ? engine.reason : null}
        />
      </Box>
      <Box data-testid="analysis-plan" sx={{ mt: 1, minHeight: 40 }}>
        {plan.loading && <CircularProgress size={16} />}
        {!plan.loading && g && (
          <Typography variant="body2">
            <b>{formatCount(g.tissueTiles)}</b> tiles with tissue of {formatCount(g.tiles)} ({g.cols} × {g.rows}) at {g.targetMpp} µm/px (≈
            {magnificationOf(g.targetMpp)}): {g.tileSize} px squares of the full-resolution slide, read from level {g.level} and resized to the model&apos;s{' '}
            {g.inputSize} px input. Slide pixel size {pixelSize ?? `${g.slideMpp} µm/px`}.
          </Typography>
        )}
      </Box>
      <Button
        variant="contained"
        startIcon={<PlayArrowIcon />}
        disabled={!params || !settings.model.trim() || plan.needsSlideMpp || runs.busy}
        onClick={() => {
          if (!params) return;
          if (atChance) setAskChance(true);
          else afterChance();
        }}
        data-testid="analysis-start"
        fullWidth
        sx={{ mt: 1 }}
      >
        Start analysis
      </Button>
      <ModelAtChanceDialog
        message={askChance ? atChance : null}
        onCancel={() => setAskChance(false)}
        onProceed={() => {
          setAskChance(false);
          afterChance();
        }}
      />
      <ImageTypeMismatchDialog
        message={askMismatch && plan.imageTypeMismatch ? asSentence(plan.imageTypeMismatch) : null}
        onCancel={() => setAskMismatch(false)}
        onProceed={() => {
          setAskMismatch(false);
          if (params) void runs.start(settings.model.trim(), { ...params, allowImageTypeMismatch: true });
        }}
      />
    </Box>
  );
}
