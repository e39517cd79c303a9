/** Right-hand panel: the classes on top, the slide's shapes below. */
import { useCallback, useMemo } from 'react';
import Box from '@mui/material/Box';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import CloseIcon from '@mui/icons-material/Close';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import type OpenSeadragon from 'openseadragon';
import type { Annotation } from '@shared/contract/annotations';
import { AnnotationList } from './AnnotationList';
import { ClassList } from './ClassList';
import { shapeColor } from './colors';
import { focusShape } from './focusShape';
import type { AnnotationEditor } from './useAnnotationEditor';

export function AnnotationPanel({
  editor,
  viewer,
  mpp,
  onClose,
}: {
  editor: AnnotationEditor;
  viewer: OpenSeadragon.Viewer | null;
  mpp: { x: number; y: number } | null;
  onClose: () => void;
}) {
  const { store, selection, setSelection, setVisible } = editor;
  const classColors = useMemo(() => new Map(store.classes.map((c) => [c.id, c.color])), [store.classes]);
  const colorOf = useCallback((a: Annotation) => shapeColor(a, classColors), [classColors]);

  const pick = useCallback(
    (a: Annotation, add: boolean) => {
      if (add) {
        setSelection(selection.includes(a.id) ? selection.filter((id) => id !== a.id) : [...selection, a.id]);
        return;
      }
      setSelection([a.id]);
      // Picking a shape is for looking at it: make sure shapes are drawn, and go there.
      setVisible(true);
      if (viewer) focusShape(viewer, a);
    },
    [selection, setSelection, setVisible, viewer],
  );

  return (
    <Box
      data-testid="annotation-panel"
      sx={{ flex: 1, bgcolor: 'background.paper', display: 'flex', flexDirection: 'column', minHeight: 0 }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', px: 2, py: 1 }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Annotations
        </Typography>
        <Tooltip title="Close (A)">
          <IconButton size="small" onClick={onClose} aria-label="Close the annotations panel">
            <CloseIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Box>
      <Divider />
      <Typography variant="overline" color="text.secondary" sx={{ px: 2, pt: 1, lineHeight: 2 }}>
        Classes
      </Typography>
      <Box sx={{ maxHeight: '40%', overflowY: 'auto', flexShrink: 0 }}>
        <ClassList editor={editor} />
      </Box>
      <Divider sx={{ mt: 1 }} />
      <Box sx={{ display: 'flex', alignItems: 'center', px: 2, pt: 1, minHeight: 40 }}>
        <Typography variant="overline" color="text.secondary" sx={{ flex: 1, lineHeight: 2 }} data-testid="annotation-count">
          Shapes ({store.annotations.length.toLocaleString('en-US')})
        </Typography>
        {selection.length > 0 && (
          <Tooltip title={`Delete ${selection.length === 1 ? 'the selected shape' : `${selection.length} selected shapes`} (Del)`}>
            <IconButton size="small" onClick={editor.deleteSelection} aria-label="Delete the selection" data-testid="annotations-delete">
              <DeleteOutlineIcon fontSize="small" />
            </IconButton>
          </Tooltip>
        )}
      </Box>
      <AnnotationList annotations={store.annotations} colorOf={colorOf} selection={selection} mpp={mpp} onPick={pick} />
    </Box>
  );
}
