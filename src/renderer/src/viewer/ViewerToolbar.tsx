import { useState } from 'react';
import Box from '@mui/material/Box';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import Popover from '@mui/material/Popover';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import FitScreenIcon from '@mui/icons-material/FitScreen';
import FullscreenExitIcon from '@mui/icons-material/FullscreenExit';
import FullscreenIcon from '@mui/icons-material/Fullscreen';
import HelpOutlineIcon from '@mui/icons-material/HelpOutline';
import InfoIcon from '@mui/icons-material/Info';
import InsightsIcon from '@mui/icons-material/Insights';
import RotateLeftIcon from '@mui/icons-material/RotateLeft';
import RotateRightIcon from '@mui/icons-material/RotateRight';
import StraightenIcon from '@mui/icons-material/Straighten';
import TuneIcon from '@mui/icons-material/Tune';
import ZoomInIcon from '@mui/icons-material/ZoomIn';
import ZoomOutIcon from '@mui/icons-material/ZoomOut';
import { href } from '../router';
import { AdjustmentsPanel } from './AdjustmentsPanel';
import { isNeutral, type Adjustments } from './imageAdjustments';
import type { ViewerCommand } from './shortcuts';
import { ToolButton } from './ToolButton';

export function ViewerToolbar({
  title,
  subtitle,
  ready,
  run,
  rulerActive,
  metadataOpen,
  analysisOpen,
  fullscreen,
  adjustments,
  onAdjustments,
}: {
  title: string;
  subtitle: string;
  ready: boolean;
  run: (command: ViewerCommand) => void;
  rulerActive: boolean;
  metadataOpen: boolean;
  analysisOpen: boolean;
  fullscreen: boolean;
  adjustments: Adjustments;
  onAdjustments: (next: Adjustments) => void;
}) {
  const [adjustAnchor, setAdjustAnchor] = useState<HTMLElement | null>(null);
  const sep = <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />;
  return (
    <Box
      sx={{ display: 'flex', alignItems: 'center', gap: 0.25, px: 1, py: 0.5, borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper', minHeight: 48 }}
    >
      <Tooltip title="Back to slides">
        <IconButton size="small" href={href.slides()} aria-label="Back to slides">
          <ArrowBackIcon />
        </IconButton>
      </Tooltip>
      <Box sx={{ minWidth: 0, flex: 1, ml: 1 }}>
        <Typography variant="subtitle2" noWrap data-testid="viewer-title">
          {title}
        </Typography>
        <Typography variant="caption" color="text.secondary" noWrap component="div">
          {subtitle}
        </Typography>
      </Box>
      <ToolButton title="Zoom out" shortcut="−" testId="zoom-out" onClick={() => run('zoomOut')} disabled={!ready}>
        <ZoomOutIcon />
      </ToolButton>
      <ToolButton title="Zoom in" shortcut="+" testId="zoom-in" onClick={() => run('zoomIn')} disabled={!ready}>
        <ZoomInIcon />
      </ToolButton>
      <ToolButton title="Fit to screen" shortcut="0" testId="zoom-fit" onClick={() => run('fit')} disabled={!ready}>
        <FitScreenIcon />
      </ToolButton>
      <ToolButton
        title="Full resolution"
        tooltip="Full resolution, 1 slide pixel per screen pixel (1)"
        testId="zoom-1to1"
        onClick={() => run('oneToOne')}
        disabled={!ready}
        sx={{ fontSize: 13, fontWeight: 700, width: 34, height: 34 }}
      >
        1:1
      </ToolButton>
      {sep}
      <ToolButton title="Rotate counter-clockwise" shortcut="Shift+R" testId="rotate-ccw" onClick={() => run('rotateCcw')} disabled={!ready}>
        <RotateLeftIcon />
      </ToolButton>
      <ToolButton title="Rotate clockwise" shortcut="R" testId="rotate" onClick={() => run('rotateCw')} disabled={!ready}>
        <RotateRightIcon />
      </ToolButton>
      {sep}
      <ToolButton title="Ruler" shortcut="U" testId="ruler-toggle" onClick={() => run('ruler')} active={rulerActive} disabled={!ready}>
        <StraightenIcon />
      </ToolButton>
      <ToolButton
        title="Brightness, contrast, gamma"
        testId="adjustments-toggle"
        onClick={(e) => setAdjustAnchor(e.currentTarget)}
        active={!isNeutral(adjustments)}
        disabled={!ready}
      >
        <TuneIcon />
      </ToolButton>
      <Popover
        open={adjustAnchor !== null}
        anchorEl={adjustAnchor}
        onClose={() => setAdjustAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
        transformOrigin={{ vertical: 'top', horizontal: 'right' }}
      >
        <AdjustmentsPanel value={adjustments} onChange={onAdjustments} />
      </Popover>
      {sep}
      <ToolButton title={fullscreen ? 'Exit full screen' : 'Full screen'} shortcut="F" testId="fullscreen" onClick={() => run('fullscreen')} active={fullscreen}>
        {fullscreen ? <FullscreenExitIcon /> : <FullscreenIcon />}
      </ToolButton>
      <ToolButton title="Analysis: classify tiles, heatmap, slide label" shortcut="C" testId="analysis-toggle" onClick={() => run('analysis')} active={analysisOpen}>
        <InsightsIcon />
      </ToolButton>
      <ToolButton title="Slide information" shortcut="M" testId="metadata-toggle" onClick={() => run('metadata')} active={metadataOpen}>
        <InfoIcon />
      </ToolButton>
      <ToolButton title="Keyboard shortcuts" shortcut="?" testId="shortcut-help-button" onClick={() => run('help')}>
        <HelpOutlineIcon />
      </ToolButton>
    </Box>
  );
}
