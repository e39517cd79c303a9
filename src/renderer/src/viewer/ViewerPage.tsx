import { useCallback, useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { AnalysisLayers } from '../analysis/AnalysisLayers';
import { AnalysisPanel } from '../analysis/AnalysisPanel';
import { useViewerAnalysis } from '../analysis/useViewerAnalysis';
import { AnnotationCanvas } from '../annotations/AnnotationCanvas';
import { AnnotationPanel } from '../annotations/AnnotationPanel';
import { AnnotationToolbar } from '../annotations/AnnotationToolbar';
import type { Tool } from '../annotations/tools';
import { useAnnotationEditor } from '../annotations/useAnnotationEditor';
import { useAnnotationInput } from '../annotations/useAnnotationInput';
import { useAnnotationKeys } from '../annotations/useAnnotationKeys';
import { formatDimensions, formatMagnification, formatMpp, formatPixelSize } from '../format';
import { href } from '../router';
import { basePower } from '../slides/magnification';
import { GammaFilterDefs, neutralAdjustments, useCanvasFilter, type Adjustments } from './imageAdjustments';
import { ChannelFilterDefs, ChannelsPanel } from './ChannelsPanel';
import { useChannelDisplay } from './useChannelDisplay';
import { MagnificationBadge } from './MagnificationBadge';
import { MetadataPanel } from './MetadataPanel';
import { overlayChipSx, viewerBackground } from './overlayStyle';
import { RulerOverlay } from './RulerOverlay';
import { ScaleBar } from './ScaleBar';
import { ShortcutHelpDialog } from './ShortcutHelpDialog';
import { SidePanelTabs } from './SidePanelTabs';
import { sidePanelWidth, useSidePanel } from './sidePanel';
import type { ViewerCommand } from './shortcuts';
import { useFullscreen } from './useFullscreen';
import { useOsdViewer } from './useOsdViewer';
import { useSlideDetail } from './useSlideDetail';
import { useViewerShortcuts } from './useViewerShortcuts';
import { useViewState } from './useViewState';
import { fit, oneToOne, panByPixels, rotateBy, zoomIn, zoomOut } from './viewerActions';
import { ViewerToolbar } from './ViewerToolbar';

const panStep = 120;

export function ViewerPage({ slideId }: { slideId: number }) {
  const { slide, error } = useSlideDetail(slideId);
  const container = useRef<HTMLDivElement>(null);
  const { viewer, failedTiles, compositor } = useOsdViewer(container, slide);
  const view = useViewState(viewer);
  const { fullscreen, toggle: toggleFullscreen, exit: exitFullscreen } = useFullscreen();
  const side = useSidePanel();
  const { toggle: togglePanel } = side;
  const metadataOpen = side.panel === 'metadata';
  const annotationsOpen = side.panel === 'annotations';
  const analysisOpen = side.panel === 'analysis';
  const [rulerActive, setRulerActive] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [adjustments, setAdjustments] = useState<Adjustments>(neutralAdjustments);
  const annotations = useAnnotationEditor(slideId, viewer);
  const analysis = useViewerAnalysis(slideId);
  const { toggleHeatmap } = analysis;
  const { setTool } = annotations;
  const channelDisplay = useChannelDisplay(slide, compositor);
  useCanvasFilter(viewer, adjustments, channelDisplay.filter);
  const mode = useTheme().palette.mode;
  useEffect(() => {
    // OpenSeadragon styles its navigator once at creation; keep it in step with theme switches.
    const nav = viewer?.navigator?.element;
    if (nav) nav.style.backgroundColor = viewerBackground(mode);
  }, [viewer, mode]);

  const toggleMetadata = useCallback(() => togglePanel('metadata'), [togglePanel]);
  const toggleAnnotations = useCallback(() => togglePanel('annotations'), [togglePanel]);
  const toggleAnalysis = useCallback(() => togglePanel('analysis'), [togglePanel]);

  // The ruler and the drawing tools both want the mouse: picking one puts the other away.
  const chooseTool = useCallback(
    (tool: Tool) => {
      setTool(tool);
      if (tool !== 'select') setRulerActive(false);
    },
    [setTool],
  );
  useAnnotationInput(viewer, annotations, !rulerActive);
  useAnnotationKeys(viewer, annotations, { panelOpen: annotationsOpen, togglePanel: toggleAnnotations, chooseTool });

  const run = useCallback(
    (command: ViewerCommand) => {
      switch (command) {
        case 'metadata':
          return toggleMetadata();
        case 'fullscreen':
          return toggleFullscreen();
        case 'help':
          return setHelpOpen(true);
        case 'analysis':
          return toggleAnalysis();
        case 'overlay':
          return toggleHeatmap();
        case 'escape':
          if (rulerActive) return setRulerActive(false);
          if (fullscreen) return exitFullscreen();
          return;
      }
      if (!viewer) return;
      switch (command) {
        case 'fit':
          return fit(viewer);
        case 'oneToOne':
          return oneToOne(viewer);
        case 'zoomIn':
          return zoomIn(viewer);
        case 'zoomOut':
          return zoomOut(viewer);
        case 'rotateCw':
          return rotateBy(viewer, 90);
        case 'rotateCcw':
          return rotateBy(viewer, -90);
        case 'ruler':
          if (!rulerActive) setTool('select');
          return setRulerActive(!rulerActive);
        case 'panLeft':
          return panByPixels(viewer, -panStep, 0);
        case 'panRight':
          return panByPixels(viewer, panStep, 0);
        case 'panUp':
          return panByPixels(viewer, 0, -panStep);
        case 'panDown':
          return panByPixels(viewer, 0, panStep);
      }
    },
    [viewer, rulerActive, fullscreen, toggleMetadata, toggleFullscreen, exitFullscreen, setTool, toggleAnalysis, toggleHeatmap],
  );
  useViewerShortcuts(run);

  if (error) {
    return (
      <Box sx={{ p: 4 }}>
        <Alert severity="error" sx={{ mb: 2 }}>
          {error.notFound ? `There is no slide ${slideId} in the library. It may have been removed.` : `Could not open this slide: ${error.message}`}
        </Alert>
        <Button variant="outlined" href={href.slides()}>
          Back to slides
        </Button>
      </Box>
    );
  }

  const power = slide ? basePower(slide) : null;
  const subtitle = slide
    ? [
        slide.vendor ?? slide.format,
        formatDimensions(slide.width, slide.height),
        slide.mppSource === 'user' ? formatPixelSize(slide) : formatMpp(slide.mpp),
        power !== null ? `${formatMagnification(power)} scan` : null,
      ]
        .filter(Boolean)
        .join(' · ')
    : 'Loading…';

  return (
    <Box
      data-testid="viewer-page"
      sx={{
        display: 'flex',
        flexDirection: 'column',
        bgcolor: 'background.default',
        // Over the app bar and navigation, under dialogs and tooltips.
        ...(fullscreen ? { position: 'fixed', inset: 0, zIndex: (t) => t.zIndex.drawer + 50 } : { height: '100%' }),
      }}
    >
      <ViewerToolbar
        title={slide?.name ?? ''}
        subtitle={subtitle}
        ready={viewer !== null && view.imageZoom > 0}
        run={run}
        rulerActive={rulerActive}
        metadataOpen={metadataOpen}
        analysisOpen={analysisOpen}
        fullscreen={fullscreen}
        adjustments={adjustments}
        onAdjustments={setAdjustments}
      />
      {slide && !slide.available && (
        <Alert severity="warning" sx={{ borderRadius: 0 }}>
          The file for this slide is missing ({slide.path}). Move it back or remove the slide from the library.
        </Alert>
      )}
      {slide?.available && failedTiles > 0 && (
        <Alert severity="warning" sx={{ borderRadius: 0 }}>
          {failedTiles} tile{failedTiles === 1 ? '' : 's'} failed to load; parts of the slide may be blank.
        </Alert>
      )}
      <Box sx={{ flex: 1, minHeight: 0, display: 'flex' }}>
        <Box
          sx={{
            flex: 1,
            minWidth: 0,
            position: 'relative',
            overflow: 'hidden',
            bgcolor: viewerBackground(mode),
          }}
        >
          <Box ref={container} data-testid="viewer" sx={{ position: 'absolute', inset: 0 }} />
          {!slide && (
            <Box sx={{ position: 'absolute', inset: 0, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
              <CircularProgress />
            </Box>
          )}
          {viewer && slide && (
            <>
              <AnalysisLayers viewer={viewer} slide={slide} analysis={analysis} />
              <AnnotationCanvas viewer={viewer} editor={annotations} />
              <RulerOverlay viewer={viewer} active={rulerActive} mpp={slide.mpp} regionKey={view.regionKey} />
              <MagnificationBadge basePower={power} imageZoom={view.imageZoom} />
              <ScaleBar mpp={slide.mpp} imageZoom={view.imageZoom} rotation={view.rotation} />
              {rulerActive && (
                <Box sx={{ ...overlayChipSx, position: 'absolute', left: '50%', top: 12, transform: 'translateX(-50%)' }}>
                  <Typography variant="caption">
                    Ruler: drag to measure{slide.mpp ? '' : ' (in pixels: no pixel size recorded)'} · U or Esc to stop
                  </Typography>
                </Box>
              )}
              {channelDisplay.active && (
                <ChannelsPanel
                  channels={channelDisplay.channels}
                  views={channelDisplay.views}
                  onChange={channelDisplay.setViews}
                  histograms={channelDisplay.histograms}
                />
              )}
              <AnnotationToolbar
                editor={annotations}
                slideName={slide.name}
                panelOpen={annotationsOpen}
                onTogglePanel={toggleAnnotations}
                chooseTool={chooseTool}
              />
            </>
          )}
        </Box>
        {side.panel && slide && (
          // Beside the slide, never over it: drawing and the overlays keep the whole visible slide.
          <Box
            data-testid="side-panel"
            data-panel={side.panel}
            sx={{ width: sidePanelWidth, flexShrink: 0, display: 'flex', flexDirection: 'column', minHeight: 0, borderLeft: 1, borderColor: 'divider', bgcolor: 'background.paper' }}
          >
            <SidePanelTabs panel={side.panel} onChange={side.show} />
            {annotationsOpen && <AnnotationPanel editor={annotations} viewer={viewer} mpp={slide.mpp} onClose={toggleAnnotations} />}
            {analysisOpen && <AnalysisPanel analysis={analysis} slide={slide} viewer={viewer} onClose={toggleAnalysis} />}
            {metadataOpen && <MetadataPanel slide={slide} onClose={toggleMetadata} />}
          </Box>
        )}
      </Box>
      <GammaFilterDefs gamma={adjustments.gamma} />
      {channelDisplay.active && <ChannelFilterDefs channels={channelDisplay.channels} views={channelDisplay.views} />}
      <ShortcutHelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
    </Box>
  );
}
