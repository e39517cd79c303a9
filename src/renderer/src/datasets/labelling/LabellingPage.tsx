/**
 * Patch labelling: a windowed grid of a dataset's images, filtered and ordered (by a model's
 * uncertainty too), labelled by number keys or clicks on the class bar, with multi-select and
 * undo/redo. Every change is one call that writes SQLite at once, so training sees it.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Breadcrumbs from '@mui/material/Breadcrumbs';
import CircularProgress from '@mui/material/CircularProgress';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Snackbar from '@mui/material/Snackbar';
import Stack from '@mui/material/Stack';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import KeyboardIcon from '@mui/icons-material/KeyboardOutlined';
import RedoIcon from '@mui/icons-material/Redo';
import RefreshIcon from '@mui/icons-material/Refresh';
import UndoIcon from '@mui/icons-material/Undo';
import type { LabelStep, PredictionSet } from '@shared/contract/datasets';
import { api } from '../../api';
import { href } from '../../router';
import { DatasetLoadState } from '../DatasetLoadState';
import { useDatasetDetail } from '../useDatasetDetail';
import { ClassBar } from './ClassBar';
import { defaultFilter, filterQuery, isFiltered, type LabelFilter } from './filters';
import { FocusedImage } from './FocusedImage';
import { moveIndex, type MoveKey } from './gridMath';
import { CELL_STRIP, ImageCell, type CellColors } from './ImageCell';
import { LabelFilters } from './LabelFilters';
import { PredictPanel } from './PredictPanel';
import { useImageList } from './useImageList';
import { useLabellingKeys } from './useLabellingKeys';
import { useLabelSteps } from './useLabelSteps';
import { VirtualGrid, type VirtualGridHandle } from './VirtualGrid';

const SIZES = { S: 96, M: 128, L: 176 } as const;
const GAP = 8;

const SHORTCUTS = [
  ['1 – 9', 'label the selection with that class'],
  ['0', 'remove the label'],
  ['Enter', 'accept the model’s suggestion'],
  ['← → ↑ ↓', 'move (Shift: extend the selection, Ctrl: move without selecting)'],
  ['Home / End / PgUp / PgDn', 'jump'],
  ['Space', 'add or remove the focused image'],
  ['Click / Ctrl+click / Shift+click', 'select / toggle / select a range'],
  ['Ctrl+A', 'select every image in the view'],
  ['Esc', 'clear the selection'],
  ['Ctrl+Z / Ctrl+Shift+Z', 'undo / redo'],
];

export function LabellingPage({ datasetId }: { datasetId: number }) {
  const { detail, error: detailError, refresh: refreshDetail } = useDatasetDetail(datasetId);
  const [sets, setSets] = useState<PredictionSet[]>([]);
  const [activeHash, setActiveHash] = useState<string | null>(null);
  const [filter, setFilter] = useState<LabelFilter>(defaultFilter);
  const [size, setSize] = useState<keyof typeof SIZES>('M');
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [focus, setFocus] = useState(-1);
  const [anchor, setAnchor] = useState(-1);
  const [range, setRange] = useState<[number, number] | null>(null);
  const grid = useRef<VirtualGridHandle>(null);

  const loadSets = useCallback(
    (prefer?: string | null) =>
      api.call('datasets.predictions', { datasetId }).then((list) => {
        setSets(list);
        setActiveHash((current) => {
          const wanted = prefer ?? current;
          return list.some((s) => s.modelHash === wanted) ? wanted! : (list[0]?.modelHash ?? null);
        });
      }, () => undefined),
    [datasetId],
  );
  useEffect(() => void loadSets(), [loadSets]);

  const query = useMemo(() => filterQuery(datasetId, filter, activeHash), [datasetId, filter, activeHash]);
  const list = useImageList(query);
  const ids = list.ids;

  // A new list (other filters or order) starts with nothing selected and the focus on its first image.
  useEffect(() => {
    setSelected(new Set());
    setFocus(ids && ids.length ? 0 : -1);
    setAnchor(-1);
  }, [ids]);

  useEffect(() => {
    if (range) list.ensure(range[0], range[1]);
    // list.ensure is new whenever the ids are, so a freshly listed view fetches what is on screen.
  }, [range, list.ensure]);

  const onRangeChange = useCallback((first: number, last: number) => setRange([first, last]), []);

  const onStep = useCallback(
    (step: LabelStep, kind: 'label' | 'undo' | 'redo') => {
      list.patch(step.changes);
      refreshDetail();
      // After undo/redo, show where it happened, unless some of it is on screen already.
      if (kind !== 'label' && ids) {
        const changed = new Set(step.changes.flatMap((c) => c.imageIds));
        if (range && ids.slice(range[0], range[1] + 1).some((id) => changed.has(id))) return;
        const at = ids.findIndex((id) => changed.has(id));
        if (at >= 0) {
          setFocus(at);
          grid.current?.reveal(at);
        }
      }
    },
    [list.patch, refreshDetail, ids, range],
  );
  const steps = useLabelSteps(datasetId, onStep);

  const colors = useMemo<CellColors>(() => Object.fromEntries((detail?.classes ?? []).map((c) => [c.label, c.color])), [detail]);

  const focusAt = (index: number, mode: 'select' | 'extend' | 'focus') => {
    if (!ids || index < 0 || index >= ids.length) return;
    if (mode === 'select') {
      setSelected(new Set([ids[index]]));
      setAnchor(index);
    } else if (mode === 'extend') {
      const from = anchor >= 0 ? anchor : focus >= 0 ? focus : index;
      if (anchor < 0) setAnchor(from);
      setSelected(new Set(ids.slice(Math.min(from, index), Math.max(from, index) + 1)));
    }
    setFocus(index);
    grid.current?.reveal(index);
  };

  /** What a label action applies to: the selection, else the focused image. */
  const targets = (): number[] => (selected.size ? [...selected] : ids && focus >= 0 ? [ids[focus]] : []);

  const assign = (label: string | null) => {
    const t = targets();
    if (!t.length || !ids) return;
    void steps.setLabel(t, label);
    // Labelling one image at a time moves on to the next, so a run of key presses labels a run of images.
    if (t.length === 1 && t[0] === ids[focus] && focus < ids.length - 1) focusAt(focus + 1, 'select');
  };

  const accept = () => {
    const t = targets();
    if (!t.length || !activeHash || !ids) return;
    void steps.accept(t, activeHash);
    if (t.length === 1 && t[0] === ids[focus] && focus < ids.length - 1) focusAt(focus + 1, 'select');
  };

  const onPick = useCallback(
    (index: number, e: MouseEvent) => {
      if (!ids) return;
      // Cells keep focus from moving on mousedown; take it from any field so the number keys work.
      grid.current?.focus();
      const id = ids[index];
      if (e.shiftKey) {
        const from = anchor >= 0 ? anchor : focus >= 0 ? focus : index;
        const span = ids.slice(Math.min(from, index), Math.max(from, index) + 1);
        setSelected((s) => (e.ctrlKey || e.metaKey ? new Set([...s, ...span]) : new Set(span)));
        if (anchor < 0) setAnchor(from);
      } else if (e.ctrlKey || e.metaKey) {
        setSelected((s) => {
          const next = new Set(s);
          if (next.has(id)) next.delete(id);
          else next.add(id);
          return next;
        });
        setAnchor(index);
      } else {
        setSelected(new Set([id]));
        setAnchor(index);
      }
      setFocus(index);
    },
    [ids, anchor, focus],
  );

  useLabellingKeys(
    {
      assignIndex: (i) => detail && i < detail.classes.length && assign(detail.classes[i].label),
      clearLabel: () => assign(null),
      accept,
      move: (key: MoveKey, mode) => {
        if (!ids) return;
        const g = grid.current?.geometry();
        focusAt(moveIndex(focus, key, g?.columns ?? 1, ids.length, grid.current?.pageRows() ?? 1), mode);
      },
      toggle: () => {
        if (!ids || focus < 0) return;
        const id = ids[focus];
        setSelected((s) => {
          const next = new Set(s);
          if (next.has(id)) next.delete(id);
          else next.add(id);
          return next;
        });
        setAnchor(focus);
      },
      selectAll: () => ids && setSelected(new Set(ids)),
      clearSelection: () => setSelected(new Set()),
      undo: () => void steps.undo(),
      redo: () => void steps.redo(),
    },
    !!detail && !!ids,
  );

  if (detailError || !detail) return <DatasetLoadState datasetId={datasetId} error={detailError} />;

  const cell = SIZES[size];
  const focusedImage = ids && focus >= 0 ? list.item(ids[focus]) : undefined;
  const nothingToLabel = selected.size === 0 && focus < 0;

  return (
    <Box sx={{ height: '100%', display: 'flex', flexDirection: 'column', minHeight: 0 }} data-testid="labelling-page">
      <Box sx={{ px: 3, pt: 2, pb: 1.5 }}>
        <Stack direction="row" sx={{ alignItems: 'center', gap: 1, mb: 1.5 }}>
          <Breadcrumbs sx={{ flex: 1 }}>
            <Link href={href.page('datasets')} underline="hover" color="inherit">
              Datasets
            </Link>
            <Link href={href.dataset(datasetId)} underline="hover" color="inherit">
              {detail.name}
            </Link>
            <Typography color="text.primary" sx={{ fontWeight: 600 }}>
              Label images
            </Typography>
          </Breadcrumbs>
          <Tooltip title={steps.history.undoLabel ? `Undo: ${steps.history.undoLabel} (Ctrl+Z)` : 'Nothing to undo'}>
            <span>
              <IconButton onClick={() => void steps.undo()} disabled={!steps.history.canUndo} data-testid="label-undo" aria-label="Undo">
                <UndoIcon />
              </IconButton>
            </span>
          </Tooltip>
          <Tooltip title={steps.history.redoLabel ? `Redo: ${steps.history.redoLabel} (Ctrl+Shift+Z)` : 'Nothing to redo'}>
            <span>
              <IconButton onClick={() => void steps.redo()} disabled={!steps.history.canRedo} data-testid="label-redo" aria-label="Redo">
                <RedoIcon />
              </IconButton>
            </span>
          </Tooltip>
          <Tooltip title="Query the list again, so relabelled images leave or join the filtered view">
            <IconButton onClick={list.reload} data-testid="label-reload" aria-label="Reload the list">
              <RefreshIcon />
            </IconButton>
          </Tooltip>
          <Tooltip
            title={
              <Box component="table" sx={{ borderSpacing: '8px 2px' }}>
                <tbody>
                  {SHORTCUTS.map(([k, what]) => (
                    <tr key={k}>
                      <td style={{ whiteSpace: 'nowrap', fontWeight: 600 }}>{k}</td>
                      <td>{what}</td>
                    </tr>
                  ))}
                </tbody>
              </Box>
            }
            slotProps={{ tooltip: { sx: { maxWidth: 460 } } }}
          >
            <IconButton aria-label="Keyboard shortcuts" data-testid="label-shortcuts">
              <KeyboardIcon />
            </IconButton>
          </Tooltip>
          <ToggleButtonGroup size="small" exclusive value={size} onChange={(_, v: keyof typeof SIZES | null) => v && setSize(v)} aria-label="Thumbnail size">
            {(Object.keys(SIZES) as (keyof typeof SIZES)[]).map((k) => (
              <ToggleButton key={k} value={k} sx={{ px: 1.25, py: 0.25 }}>
                {k}
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
        </Stack>
        <ClassBar
          classes={detail.classes}
          disabled={nothingToLabel}
          onAssign={assign}
          onAddClass={async (name) => {
            const r = await steps.addClass(name);
            if (r) refreshDetail();
            return !!r;
          }}
        />
        <Box sx={{ mt: 1.5 }}>
          <LabelFilters filter={filter} onChange={setFilter} classes={detail.classes.map((c) => c.label)} hasPredictions={!!activeHash} />
        </Box>
      </Box>
      <Divider />
      <Box sx={{ flex: 1, minHeight: 0, display: 'flex' }}>
        <Box sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
          <Box sx={{ flex: 1, minHeight: 0, pl: 3, pr: 1, pt: 1.5 }}>
            {list.error && <Alert severity="error">{list.error}</Alert>}
            {!ids && !list.error && (
              <Box sx={{ display: 'flex', justifyContent: 'center', p: 6 }}>
                <CircularProgress />
              </Box>
            )}
            {ids && ids.length === 0 && (
              <Typography color="text.secondary" sx={{ p: 2 }} data-testid="label-empty">
                {isFiltered(filter) ? 'No image matches these filters.' : 'This dataset has no images.'}
              </Typography>
            )}
            {ids && ids.length > 0 && (
              <VirtualGrid
                ref={grid}
                count={ids.length}
                cellWidth={cell}
                cellHeight={cell + CELL_STRIP}
                gap={GAP}
                label={`Images of ${detail.name}`}
                testId="label-grid"
                onRangeChange={onRangeChange}
                renderCell={(index) => (
                  <ImageCell
                    key={ids[index]}
                    datasetId={datasetId}
                    index={index}
                    image={list.item(ids[index])}
                    size={cell}
                    selected={selected.has(ids[index])}
                    focused={index === focus}
                    colors={colors}
                    onPick={onPick}
                  />
                )}
              />
            )}
          </Box>
          <Stack direction="row" spacing={2} sx={{ px: 3, py: 0.75, borderTop: 1, borderColor: 'divider', alignItems: 'center' }} data-testid="label-status">
            <Typography variant="body2" data-testid="label-count">
              {ids ? `${ids.length.toLocaleString('en-US')} image${ids.length === 1 ? '' : 's'}` : '…'}
              {ids && ids.length !== detail.images && ` of ${detail.images.toLocaleString('en-US')}`}
            </Typography>
            <Typography variant="body2" color="text.secondary" data-testid="label-selected-count">
              {selected.size.toLocaleString('en-US')} selected
            </Typography>
            <Box sx={{ flex: 1 }} />
            {steps.busy && <CircularProgress size={14} />}
            <Typography variant="caption" color="text.secondary">
              {steps.history.undoLabel ? `Last change: ${steps.history.undoLabel}` : 'Changes are saved as you make them'}
            </Typography>
          </Stack>
        </Box>
        <Paper square variant="outlined" sx={{ width: 300, flexShrink: 0, borderTop: 0, borderRight: 0, borderBottom: 0, p: 2, overflow: 'auto' }}>
          <PredictPanel
            datasetId={datasetId}
            sets={sets}
            activeHash={activeHash}
            onActiveChange={setActiveHash}
            onPredicted={(hash) => {
              void loadSets(hash).then(() => list.reload());
            }}
          />
          {focusedImage && (
            <>
              <Divider sx={{ my: 2 }} />
              <FocusedImage datasetId={datasetId} image={focusedImage} onAccept={accept} />
            </>
          )}
        </Paper>
      </Box>
      <Snackbar open={!!steps.error} autoHideDuration={6000} onClose={steps.clearError} anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}>
        <Alert severity="warning" onClose={steps.clearError} data-testid="label-error">
          {steps.error}
        </Alert>
      </Snackbar>
    </Box>
  );
}
