/**
 * The annotation classes (shared by all slides): pick the one new shapes get, add, rename and
 * recolour classes, and give the selected shapes a class. The first nine carry the number key
 * that picks them.
 */
import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import InputBase from '@mui/material/InputBase';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import EditIcon from '@mui/icons-material/Edit';
import LocalOfferIcon from '@mui/icons-material/LocalOffer';
import type { AnnotationClass } from '@shared/contract/annotations';
import { nextClassColor, unclassifiedColor } from './colors';
import { ColorSwatch } from './ColorSwatch';
import type { AnnotationEditor } from './useAnnotationEditor';

function NameInput({ initial, onDone, testId }: { initial: string; onDone: (name: string | null) => void; testId: string }) {
  const [value, setValue] = useState(initial);
  // Enter and the blur that follows when the field goes away must not both count.
  const done = useRef(false);
  const finish = (commit: boolean) => {
    if (done.current) return;
    done.current = true;
    onDone(commit && value.trim() ? value.trim() : null);
  };
  return (
    <InputBase
      autoFocus
      value={value}
      placeholder="Class name"
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={(e: KeyboardEvent) => {
        if (e.key === 'Enter') finish(true);
        if (e.key === 'Escape') finish(false);
      }}
      onBlur={() => finish(true)}
      inputProps={{ 'data-testid': testId, maxLength: 200, 'aria-label': 'Class name' }}
      sx={{ flex: 1, fontSize: 13, px: 0.5, border: 1, borderColor: 'primary.main', borderRadius: 0.5 }}
    />
  );
}

/** The number key that picks a class; an empty one keeps the rows aligned. */
function KeyBadge({ children }: { children: string }) {
  return (
    <Box
      component="kbd"
      sx={{
        width: 18,
        flexShrink: 0,
        textAlign: 'center',
        fontSize: 11,
        fontFamily: 'inherit',
        color: 'text.secondary',
        border: children ? 1 : 0,
        borderColor: 'divider',
        borderRadius: 0.5,
      }}
    >
      {children}
    </Box>
  );
}

function Row({
  active,
  onPick,
  testId,
  children,
}: {
  active: boolean;
  onPick: () => void;
  testId: string;
  children: ReactNode;
}) {
  return (
    <Box
      data-testid={testId}
      aria-selected={active}
      role="option"
      onClick={onPick}
      sx={{
        display: 'flex',
        alignItems: 'center',
        gap: 1,
        pl: 1,
        pr: 0.5,
        minHeight: 32,
        borderRadius: 1,
        cursor: 'pointer',
        bgcolor: active ? 'action.selected' : undefined,
        '&:hover': { bgcolor: active ? 'action.selected' : 'action.hover' },
        '& .row-action': { visibility: 'hidden' },
        '&:hover .row-action, & .row-action.shown': { visibility: 'visible' },
      }}
    >
      {children}
    </Box>
  );
}

export function ClassList({ editor }: { editor: AnnotationEditor }) {
  const { store, activeClassId, selection } = editor;
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState<number | null>(null);

  const add = async (name: string | null) => {
    setAdding(false);
    if (!name) return;
    const c = await store.addClass(name, nextClassColor(store.classes.map((x) => x.color)));
    if (c) editor.setActiveClassId(c.id);
  };

  const assignButton = (classId: number | null, name: string) =>
    selection.length > 0 && (
      <Tooltip title={`Give the ${selection.length === 1 ? 'selected shape' : `${selection.length} selected shapes`} the class ${name}`}>
        <IconButton
          size="small"
          className="row-action shown"
          data-testid="class-assign"
          aria-label={`Assign ${name} to the selection`}
          onClick={(e) => {
            e.stopPropagation();
            void store.assignClass(selection, classId);
          }}
        >
          <LocalOfferIcon sx={{ fontSize: 16 }} />
        </IconButton>
      </Tooltip>
    );

  const classRow = (c: AnnotationClass, index: number) => (
    <Row key={c.id} testId="class-item" active={activeClassId === c.id} onPick={() => editor.setActiveClassId(c.id)}>
      <KeyBadge>{index < 9 ? String(index + 1) : ''}</KeyBadge>
      <ColorSwatch color={c.color} label={`Colour of ${c.name}`} onChange={(color) => void store.editClass(c.id, { color })} />
      {renaming === c.id ? (
        <NameInput
          initial={c.name}
          testId="class-rename-input"
          onDone={(name) => {
            setRenaming(null);
            if (name && name !== c.name) void store.editClass(c.id, { name });
          }}
        />
      ) : (
        <Typography variant="body2" noWrap sx={{ flex: 1 }} onDoubleClick={() => setRenaming(c.id)} data-testid="class-name">
          {c.name}
        </Typography>
      )}
      <Tooltip title="Shapes of this class on all slides">
        <Typography variant="caption" color="text.secondary">
          {c.count.toLocaleString('en-US')}
        </Typography>
      </Tooltip>
      {assignButton(c.id, c.name)}
      <Tooltip title="Rename">
        <IconButton
          size="small"
          className="row-action"
          aria-label={`Rename ${c.name}`}
          onClick={(e) => {
            e.stopPropagation();
            setRenaming(c.id);
          }}
        >
          <EditIcon sx={{ fontSize: 16 }} />
        </IconButton>
      </Tooltip>
    </Row>
  );

  return (
    <Box data-testid="class-list" role="listbox" aria-label="Annotation classes" sx={{ px: 1 }}>
      <Row testId="class-item-none" active={activeClassId === null} onPick={() => editor.setActiveClassId(null)}>
        <KeyBadge>{''}</KeyBadge>
        <ColorSwatch color={unclassifiedColor} label="Unclassified" />
        <Typography variant="body2" color="text.secondary" sx={{ flex: 1, fontStyle: 'italic' }}>
          Unclassified
        </Typography>
        {assignButton(null, 'Unclassified')}
      </Row>
      {store.classes.map(classRow)}
      {adding ? (
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, pl: 1, pr: 0.5, minHeight: 32 }}>
          <KeyBadge>{''}</KeyBadge>
          <ColorSwatch color={nextClassColor(store.classes.map((x) => x.color))} label="Colour of the new class" />
          <NameInput initial="" testId="class-name-input" onDone={(name) => void add(name)} />
        </Box>
      ) : (
        <Box sx={{ display: 'flex', justifyContent: 'flex-start', pl: 0.5 }}>
          <Tooltip title="Add a class">
            <IconButton size="small" data-testid="class-add" aria-label="Add a class" onClick={() => setAdding(true)}>
              <AddIcon fontSize="small" />
            </IconButton>
          </Tooltip>
        </Box>
      )}
    </Box>
  );
}
