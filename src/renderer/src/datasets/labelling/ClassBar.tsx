/**
 * The classes as buttons with their number keys: a click (or the key) labels the selection.
 * New classes are added here; they go after the existing ones, so no index a model uses shifts.
 */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import InputAdornment from '@mui/material/InputAdornment';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import AddIcon from '@mui/icons-material/Add';
import type { DatasetDetail } from '@shared/contract/datasets';

function KeyCap({ children }: { children: string }) {
  return (
    <Box
      component="kbd"
      sx={{ fontFamily: 'monospace', fontSize: 11, px: 0.5, minWidth: 16, textAlign: 'center', border: 1, borderColor: 'divider', borderRadius: 0.5, bgcolor: 'action.hover' }}
    >
      {children}
    </Box>
  );
}

export function ClassBar({
  classes,
  disabled,
  onAssign,
  onAddClass,
}: {
  classes: DatasetDetail['classes'];
  /** True when nothing is selected or focused. */
  disabled: boolean;
  onAssign: (label: string | null) => void;
  onAddClass: (name: string) => Promise<boolean>;
}) {
  const [name, setName] = useState('');
  const add = async () => {
    const trimmed = name.trim();
    if (trimmed && (await onAddClass(trimmed))) setName('');
  };
  return (
    <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1, alignItems: 'center' }} data-testid="class-bar">
      {classes.map((c, i) => (
        <Tooltip key={c.label} title={i < 9 ? `Label the selection ${c.label} (key ${i + 1})` : `Label the selection ${c.label}`}>
          <span>
            <Button
              variant="outlined"
              size="small"
              disabled={disabled}
              onClick={() => onAssign(c.label)}
              data-testid="class-chip"
              data-label={c.label}
              sx={{ borderLeft: 6, borderLeftColor: c.color, gap: 1, color: 'text.primary', borderColor: 'divider' }}
            >
              {i < 9 && <KeyCap>{String(i + 1)}</KeyCap>}
              {c.label}
              <Box component="span" sx={{ color: 'text.secondary', fontWeight: 400 }}>
                {c.total.toLocaleString('en-US')}
              </Box>
            </Button>
          </span>
        </Tooltip>
      ))}
      <Tooltip title="Remove the label of the selection (key 0)">
        <span>
          <Button variant="outlined" size="small" disabled={disabled} onClick={() => onAssign(null)} data-testid="class-chip-none" sx={{ gap: 1, color: 'text.secondary', borderColor: 'divider' }}>
            <KeyCap>0</KeyCap>
            no label
          </Button>
        </span>
      </Tooltip>
      <TextField
        size="small"
        placeholder="New class"
        value={name}
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void add();
          }
        }}
        sx={{ width: 180, '& .MuiInputBase-root': { height: 31, fontSize: 14 } }}
        slotProps={{
          htmlInput: { 'data-testid': 'add-class-input', maxLength: 200, 'aria-label': 'New class name' },
          input: {
            endAdornment: (
              <InputAdornment position="end">
                <IconButton size="small" edge="end" onClick={add} disabled={!name.trim()} aria-label="Add class" data-testid="add-class-button">
                  <AddIcon fontSize="small" />
                </IconButton>
              </InputAdornment>
            ),
          },
        }}
      />
    </Stack>
  );
}
