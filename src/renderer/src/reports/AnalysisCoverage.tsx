/**
 * Which of the picked slides already have a finished analysis with the chosen model, and which
 * models have analysed them, so the user knows before creating whether the report will run an
 * analysis first (minutes) or only gather stored results (seconds).
 */
import { useEffect, useMemo, useState } from 'react';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Typography from '@mui/material/Typography';
import type { Analysis } from '@shared/contract/analysis';
import { api } from '../api';

function useCompletedAnalyses(): Analysis[] | null {
  const [list, setList] = useState<Analysis[] | null>(null);
  useEffect(() => {
    let stop = false;
    // Only a hint: when the list cannot be read, the form simply says nothing.
    api.call('analysis.list', { status: 'completed' }).then((l) => !stop && setList(l), () => undefined);
    return () => {
      stop = true;
    };
  }, []);
  return list;
}

export function AnalysisCoverage({
  slideIds,
  model,
  onPickModel,
  missingNote,
}: {
  slideIds: number[];
  model: string;
  /** Offer the models that analysed the picked slides as one-click choices. */
  onPickModel?: (ref: string) => void;
  /** What happens to slides without an analysis by this model. */
  missingNote: string;
}) {
  const analyses = useCompletedAnalyses();
  const picked = useMemo(() => new Set(slideIds), [slideIds]);
  if (!analyses || slideIds.length === 0) return null;
  const mine = analyses.filter((a) => picked.has(a.slideId));
  const models = [...new Map(mine.map((a) => [a.model.dir, a.model.name])).entries()];
  const ref = model.trim();
  const covered = new Set(mine.filter((a) => a.model.dir === ref || a.model.name === ref).map((a) => a.slideId));
  const missing = slideIds.length - covered.size;
  return (
    <Box data-testid="report-coverage" data-missing={ref ? missing : undefined}>
      {onPickModel && models.length > 0 && (
        <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap', alignItems: 'center', mb: 0.5 }}>
          <Typography variant="caption" color="text.secondary" sx={{ mr: 0.5 }}>
            Analysed with
          </Typography>
          {models.map(([dir, name]) => (
            <Chip key={dir} size="small" label={name} title={dir} color={dir === ref ? 'primary' : 'default'} onClick={() => onPickModel(dir)} />
          ))}
        </Box>
      )}
      {ref && (
        <Typography variant="caption" color="text.secondary" component="div">
          {missing === 0
            ? slideIds.length === 1
              ? 'This slide has a finished analysis with this model; the report uses it.'
              : `All ${slideIds.length} slides have a finished analysis with this model.`
            : slideIds.length === 1
              ? `This slide has no finished analysis with this model. ${missingNote}`
              : `${covered.size} of ${slideIds.length} slides have a finished analysis with this model. ${missingNote}`}
        </Typography>
      )}
    </Box>
  );
}
