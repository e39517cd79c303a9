/**
 * Right-hand panel of the viewer for slide classification: the analysis shown and its progress,
 * a new analysis, how the heatmap is drawn, the slide label and class fractions, the most
 * confident tiles, explanations of the view, tissue detection and export.
 */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import CloseIcon from '@mui/icons-material/Close';
import ListAltIcon from '@mui/icons-material/ListAlt';
import type OpenSeadragon from 'openseadragon';
import type { SlideDetail } from '@shared/api';
import { AnalysisQueueDialog } from './AnalysisQueueDialog';
import { ExplainSection } from './ExplainSection';
import { ExportSection } from './ExportSection';
import { HeatmapControls } from './HeatmapControls';
import { PanelSection } from './PanelSection';
import { RunForm } from './RunForm';
import { RunStatus } from './RunStatus';
import { analysisSlideMpp } from './formatAnalysis';
import { formatPixelSize } from '../format';
import { SlideReportButton } from '../reports/SlideReportButton';
import { SlideLabelSection } from './SlideLabelSection';
import { TissueControls } from './TissueControls';
import { TopTilesGallery } from './TopTilesGallery';
import type { ViewerAnalysis } from './useViewerAnalysis';

export function AnalysisPanel({
  analysis,
  slide,
  viewer,
  onClose,
}: {
  analysis: ViewerAnalysis;
  slide: SlideDetail;
  viewer: OpenSeadragon.Viewer | null;
  onClose: () => void;
}) {
  const [queueOpen, setQueueOpen] = useState(false);
  const { runs, style, setStyle, tissue, explain } = analysis;
  const current = runs.current;
  const tiles = runs.tiles;
  const labels = tiles?.labels ?? current?.model.labels ?? [];
  const hasTiles = tiles !== null && tiles.count > 0;

  return (
    <Box
      component="aside"
      data-testid="analysis-panel"
      aria-label="Analysis"
      sx={{ flex: 1, minHeight: 0, bgcolor: 'background.paper', overflowY: 'auto' }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', px: 2, py: 1 }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Analysis
        </Typography>
        <Tooltip title="Analyses of every slide (queue)">
          <IconButton size="small" onClick={() => setQueueOpen(true)} aria-label="Open the analysis queue" data-testid="analysis-queue-open">
            <ListAltIcon fontSize="small" />
          </IconButton>
        </Tooltip>
        <Tooltip title="Close (C)">
          <IconButton size="small" onClick={onClose} aria-label="Close the analysis panel">
            <CloseIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Box>
      <Divider />
      {runs.analyses === null && (
        <Typography variant="body2" color="text.secondary" sx={{ px: 2, py: 1.5 }}>
          Loading analyses…
        </Typography>
      )}
      {current && (
        <Box sx={{ px: 2, py: 1.5 }}>
          <RunStatus runs={runs} />
          {current.grid && (
            <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }} data-testid="analysis-slide-mpp-source">
              Tiles at {current.grid.targetMpp} µm/px; slide pixel size {analysisSlideMpp(current.grid.slideMpp, slide)}
            </Typography>
          )}
          {current.status === 'completed' && <SlideReportButton slideId={slide.id} model={current.model.dir} params={{ mpp: current.params.targetMpp, overlap: current.params.overlap, minTissue: current.params.minTissue, tissue: current.params.tissue }} />}
        </Box>
      )}
      {current && <Divider />}
      {runs.analyses !== null && (
        // Keyed so the section opens again when the slide loses its last analysis.
        <PanelSection key={current ? 'has' : 'none'} title="New analysis" defaultOpen={!current} testId="analysis-new">
          <RunForm slideId={slide.id} pixelSize={formatPixelSize(slide)} runs={runs} tissue={tissue.params} />
        </PanelSection>
      )}
      {current && labels.length > 0 && (
        <PanelSection title="Heatmap" testId="analysis-section-heatmap">
          <HeatmapControls labels={labels} style={style} onChange={setStyle} hiddenBy={explain.result && explain.visible ? 'the explanation' : null} />
        </PanelSection>
      )}
      {current && hasTiles && (
        <PanelSection title="Slide label" testId="analysis-section-label">
          <SlideLabelSection analysis={current} version={tiles.count} />
        </PanelSection>
      )}
      {current && hasTiles && (
        <PanelSection title="Most confident tiles" testId="analysis-section-top">
          <TopTilesGallery data={tiles} slide={slide} viewer={viewer} onFocus={analysis.setFocusedTile} />
        </PanelSection>
      )}
      {current && (
        <PanelSection title="Explain the view" defaultOpen={false} testId="analysis-section-explain">
          <ExplainSection analysis={current} explain={explain} viewer={viewer} slide={slide} />
        </PanelSection>
      )}
      <PanelSection title="Tissue detection" defaultOpen={!current} testId="analysis-section-tissue">
        <TissueControls tissue={tissue} fluorescence={slide.imageType === 'fluorescence'} />
      </PanelSection>
      {current && hasTiles && (
        <PanelSection title="Export" defaultOpen={false} testId="analysis-section-export">
          <ExportSection analysisId={current.id} heatmapClass={style.mode === 'probability' ? labels[style.classIndex] : undefined} />
        </PanelSection>
      )}
      <AnalysisQueueDialog open={queueOpen} onClose={() => setQueueOpen(false)} />
    </Box>
  );
}
