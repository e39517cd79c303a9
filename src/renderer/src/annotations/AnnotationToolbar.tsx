/**
 * The floating tool palette on the left of the slide: drawing tools, show/hide, undo/redo,
 * GeoJSON import/export and the annotations panel toggle. Also reports failed calls and import
 * results, since those follow from what is clicked here.
 */
import { useRef, useState, type ComponentProps, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Divider from '@mui/material/Divider';
import Paper from '@mui/material/Paper';
import Snackbar from '@mui/material/Snackbar';
import Typography from '@mui/material/Typography';
import CircleOutlinedIcon from '@mui/icons-material/CircleOutlined';
import CropSquareIcon from '@mui/icons-material/CropSquare';
import FiberManualRecordIcon from '@mui/icons-material/FiberManualRecord';
import FileDownloadIcon from '@mui/icons-material/FileDownload';
import FileUploadIcon from '@mui/icons-material/FileUpload';
import GestureIcon from '@mui/icons-material/Gesture';
import ListAltIcon from '@mui/icons-material/ListAlt';
import NearMeIcon from '@mui/icons-material/NearMe';
import PolylineIcon from '@mui/icons-material/Polyline';
import RedoIcon from '@mui/icons-material/Redo';
import UndoIcon from '@mui/icons-material/Undo';
import VisibilityIcon from '@mui/icons-material/Visibility';
import VisibilityOffIcon from '@mui/icons-material/VisibilityOff';
import { downloadText, geojsonFileName } from './download';
import { overlayChipSx } from '../viewer/overlayStyle';
import { ToolButton } from '../viewer/ToolButton';
import { toolInfo, tools, type Tool } from './tools';
import type { AnnotationEditor } from './useAnnotationEditor';

const toolIcons: Record<Tool, ReactNode> = {
  select: <NearMeIcon fontSize="small" sx={{ transform: 'scaleX(-1)' }} />,
  rectangle: <CropSquareIcon fontSize="small" />,
  ellipse: <CircleOutlinedIcon fontSize="small" />,
  polygon: <PolylineIcon fontSize="small" />,
  freehand: <GestureIcon fontSize="small" />,
  point: <FiberManualRecordIcon sx={{ fontSize: 12 }} />,
};

/** Not interactive: a tooltip left open over the slide must not swallow the first click drawn there. */
function PaletteButton(props: Omit<ComponentProps<typeof ToolButton>, 'placement' | 'disableInteractive' | 'sx'>) {
  return <ToolButton {...props} placement="right" disableInteractive sx={{ width: 34, height: 34 }} />;
}

export function AnnotationToolbar({
  editor,
  slideName,
  panelOpen,
  onTogglePanel,
  chooseTool,
}: {
  editor: AnnotationEditor;
  slideName: string;
  panelOpen: boolean;
  onTogglePanel: () => void;
  /** Sets the tool and leaves page modes that would fight it for the mouse (the ruler). */
  chooseTool: (tool: Tool) => void;
}) {
  const { store, tool, visible } = editor;
  const fileInput = useRef<HTMLInputElement>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const sep = <Divider flexItem sx={{ my: 0.5 }} />;

  const importFile = async (file: File) => {
    const result = await store.importGeojson(await file.text());
    if (!result) return;
    const parts = [`Imported ${result.imported} shape${result.imported === 1 ? '' : 's'} from ${file.name}`];
    if (result.replaced) parts.push(`${result.replaced} replaced earlier copies`);
    if (result.classesAdded.length) parts.push(`new classes: ${result.classesAdded.join(', ')}`);
    setNotice(parts.join('; '));
  };

  const exportFile = async () => {
    const exported = await store.exportGeojson();
    if (exported === null) return;
    const name = geojsonFileName(slideName);
    downloadText(exported.geojson, name, 'application/geo+json');
    // The page cannot learn the folder the browser saves to, but the user must know where to look.
    setNotice(`Exported ${exported.count} shape${exported.count === 1 ? '' : 's'} as GeoJSON to ${name} in your downloads folder`);
  };

  return (
    <>
      <Paper
        data-testid="annotation-toolbar"
        elevation={3}
        sx={{ position: 'absolute', left: 12, top: '50%', transform: 'translateY(-50%)', display: 'flex', flexDirection: 'column', alignItems: 'center', p: 0.5, gap: 0.25, zIndex: 2 }}
      >
        {tools.map((t) => (
          <PaletteButton key={t.tool} title={`${t.title} (${t.label})`} testId={`tool-${t.tool}`} onClick={() => chooseTool(t.tool)} active={tool === t.tool}>
            {toolIcons[t.tool]}
          </PaletteButton>
        ))}
        {sep}
        <PaletteButton title={visible ? 'Hide annotations (H)' : 'Show annotations (H)'} testId="annotations-visibility" onClick={() => editor.setVisible(!visible)} active={!visible}>
          {visible ? <VisibilityIcon fontSize="small" /> : <VisibilityOffIcon fontSize="small" />}
        </PaletteButton>
        <PaletteButton
          title={store.history.undoLabel ? `Undo ${store.history.undoLabel} (Ctrl+Z)` : 'Undo (Ctrl+Z)'}
          testId="annotations-undo"
          onClick={() => void store.undo()}
          disabled={!store.history.canUndo}
        >
          <UndoIcon fontSize="small" />
        </PaletteButton>
        <PaletteButton
          title={store.history.redoLabel ? `Redo ${store.history.redoLabel} (Ctrl+Shift+Z)` : 'Redo (Ctrl+Shift+Z)'}
          testId="annotations-redo"
          onClick={() => void store.redo()}
          disabled={!store.history.canRedo}
        >
          <RedoIcon fontSize="small" />
        </PaletteButton>
        {sep}
        <PaletteButton title="Import QuPath GeoJSON" testId="annotations-import" onClick={() => fileInput.current?.click()} disabled={!store.loaded}>
          <FileUploadIcon fontSize="small" />
        </PaletteButton>
        <PaletteButton title="Export as QuPath GeoJSON" testId="annotations-export" onClick={() => void exportFile()} disabled={!store.loaded}>
          <FileDownloadIcon fontSize="small" />
        </PaletteButton>
        {sep}
        <PaletteButton title="Classes and shapes (A)" testId="annotations-panel-toggle" onClick={onTogglePanel} active={panelOpen}>
          <ListAltIcon fontSize="small" />
        </PaletteButton>
        <input
          ref={fileInput}
          data-testid="annotations-import-file"
          type="file"
          accept=".geojson,.json,application/geo+json,application/json"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            // Cleared so choosing the same file again still fires a change.
            e.target.value = '';
            if (file) void importFile(file);
          }}
        />
      </Paper>
      {tool !== 'select' && (
        <Box sx={{ ...overlayChipSx, position: 'absolute', left: '50%', top: 12, transform: 'translateX(-50%)' }} data-testid="annotation-hint">
          <Typography variant="caption">
            {toolInfo(tool).title}: {toolInfo(tool).hint.charAt(0).toLowerCase() + toolInfo(tool).hint.slice(1)} · Esc cancels · V to stop drawing
          </Typography>
        </Box>
      )}
      <Snackbar open={notice !== null} autoHideDuration={6000} onClose={() => setNotice(null)} anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}>
        <Alert severity="success" variant="filled" onClose={() => setNotice(null)} data-testid="annotations-notice" sx={{ wordBreak: 'break-all' }}>
          {notice}
        </Alert>
      </Snackbar>
      <Snackbar open={store.error !== null} onClose={(_, reason) => reason !== 'clickaway' && store.dismissError()} anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}>
        <Alert severity="error" variant="filled" onClose={store.dismissError} data-testid="annotations-error">
          {store.error}
        </Alert>
      </Snackbar>
    </>
  );
}
