/**
 * Slides of the library to report on: one (a slide report) or many (a cohort). A filter box
 * appears once the library is longer than a screenful; "select all" ticks what the filter shows.
 */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Radio from '@mui/material/Radio';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { SlideSummary } from '@shared/api';

const filterFrom = 8;

export function SlidePicker({
  slides,
  picked,
  onChange,
  multiple,
}: {
  slides: SlideSummary[] | null;
  picked: number[];
  onChange: (ids: number[]) => void;
  multiple: boolean;
}) {
  const [filter, setFilter] = useState('');
  if (slides === null) return <Typography color="text.secondary">Loading slides…</Typography>;
  if (slides.length === 0) {
    return <Typography color="text.secondary">The library has no slides yet. Add slides on the Slides page first.</Typography>;
  }
  const q = filter.trim().toLowerCase();
  const shown = q ? slides.filter((s) => s.name.toLowerCase().includes(q) || s.path.toLowerCase().includes(q)) : slides;
  const set = new Set(picked);
  const usable = shown.filter((s) => s.available);
  const allShownPicked = usable.length > 0 && usable.every((s) => set.has(s.id));

  const toggle = (id: number) => {
    if (!multiple) return onChange([id]);
    onChange(set.has(id) ? picked.filter((p) => p !== id) : [...picked, id]);
  };
  const toggleShown = () => {
    const ids = new Set(usable.map((s) => s.id));
    onChange(allShownPicked ? picked.filter((p) => !ids.has(p)) : [...new Set([...picked, ...ids])]);
  };

  return (
    <Box>
      {slides.length > filterFrom && (
        <TextField size="small" fullWidth placeholder="Filter slides by name or path" value={filter} onChange={(e) => setFilter(e.target.value)} sx={{ mb: 1 }} />
      )}
      {multiple && (
        <Box sx={{ display: 'flex', alignItems: 'center' }}>
          <Checkbox
            size="small"
            checked={allShownPicked}
            indeterminate={!allShownPicked && usable.some((s) => set.has(s.id))}
            onChange={toggleShown}
            inputProps={{ 'aria-label': q ? 'Select every slide shown' : 'Select every slide' }}
            data-testid="report-slides-all"
          />
          <Typography variant="body2">
            {picked.length} of {slides.filter((s) => s.available).length} slides selected
          </Typography>
        </Box>
      )}
      <List
        dense
        role={multiple ? 'group' : 'radiogroup'}
        aria-label="Slides"
        sx={{ maxHeight: 240, overflowY: 'auto', border: 1, borderColor: 'divider', borderRadius: 1 }}
        data-testid="report-slide-list"
      >
        {shown.map((s) => (
          <ListItemButton
            key={s.id}
            onClick={() => toggle(s.id)}
            disabled={!s.available}
            selected={!multiple && set.has(s.id)}
            sx={{ py: 0 }}
            data-testid="report-slide-option"
            data-slide-name={s.name}
          >
            <ListItemIcon sx={{ minWidth: 36 }}>
              {multiple ? (
                <Checkbox size="small" edge="start" checked={set.has(s.id)} tabIndex={-1} disableRipple />
              ) : (
                <Radio size="small" edge="start" checked={set.has(s.id)} tabIndex={-1} disableRipple />
              )}
            </ListItemIcon>
            <ListItemText
              primary={s.name}
              secondary={!s.available ? 'File missing' : s.mpp ? null : 'No pixel size: set it in the viewer before analysing'}
              slotProps={{ primary: { noWrap: true, title: s.path } }}
            />
          </ListItemButton>
        ))}
        {shown.length === 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ p: 2 }}>
            No slide matches “{filter}”.
          </Typography>
        )}
      </List>
    </Box>
  );
}
