/** Which images the grid shows and in what order; the model-based filters wait for a prediction set. */
import { useState } from 'react';
import Box from '@mui/material/Box';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import InputLabel from '@mui/material/InputLabel';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import Slider from '@mui/material/Slider';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { defaultFilter, type LabelFilter } from './filters';

const ANY = '__any__';
const NONE = '__none__';

function Choice({
  label,
  value,
  options,
  onChange,
  disabled,
  testId,
  width = 150,
}: {
  label: string;
  value: string;
  options: { value: string; text: string }[];
  onChange: (v: string) => void;
  disabled?: boolean;
  testId: string;
  width?: number;
}) {
  const id = `filter-${testId}`;
  return (
    <FormControl size="small" sx={{ width }} disabled={disabled}>
      <InputLabel id={id}>{label}</InputLabel>
      <Select labelId={id} label={label} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {options.map((o) => (
          <MenuItem key={o.value} value={o.value} data-value={o.value}>
            {o.text}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}

/** Shows the band while dragging; the list is queried only when the thumb is let go. */
function ConfidenceSlider({ value, disabled, onCommit }: { value: [number, number]; disabled: boolean; onCommit: (v: [number, number]) => void }) {
  const [dragging, setDragging] = useState<number[] | null>(null);
  const shown = dragging ?? value.map((v) => Math.round(v * 100));
  return (
    <>
      <Typography variant="caption" color={disabled ? 'text.disabled' : 'text.secondary'}>
        Confidence {shown[0]}–{shown[1]}%
      </Typography>
      <Slider
        size="small"
        disabled={disabled}
        value={shown}
        min={0}
        max={100}
        step={5}
        onChange={(_, v) => setDragging(v as number[])}
        onChangeCommitted={(_, v) => {
          const [lo, hi] = v as number[];
          setDragging(null);
          onCommit([lo / 100, hi / 100]);
        }}
        getAriaLabel={(i) => (i === 0 ? 'Lowest confidence' : 'Highest confidence')}
        data-testid="filter-confidence"
        sx={{ py: 0.5 }}
      />
    </>
  );
}

export function LabelFilters({
  filter,
  onChange,
  classes,
  hasPredictions,
}: {
  filter: LabelFilter;
  onChange: (f: LabelFilter) => void;
  classes: string[];
  hasPredictions: boolean;
}) {
  const set = (patch: Partial<LabelFilter>) => onChange({ ...filter, ...patch });
  const classOptions = classes.map((c) => ({ value: c, text: c }));
  const noModel = hasPredictions ? '' : 'Run a model (right) to filter and sort by its suggestions';
  return (
    <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1.5, alignItems: 'center' }} data-testid="label-filters">
      <Choice
        label="Label"
        testId="filter-label"
        value={filter.label === undefined ? ANY : filter.label === null ? NONE : filter.label}
        options={[{ value: ANY, text: 'Any' }, { value: NONE, text: 'No label' }, ...classOptions]}
        onChange={(v) => set({ label: v === ANY ? undefined : v === NONE ? null : v })}
      />
      <Choice
        label="Split"
        testId="filter-split"
        width={120}
        value={filter.split ?? ANY}
        options={[
          { value: ANY, text: 'Any' },
          { value: 'train', text: 'Train' },
          { value: 'val', text: 'Validation' },
          { value: 'test', text: 'Test' },
        ]}
        onChange={(v) => set({ split: v === ANY ? undefined : (v as LabelFilter['split']) })}
      />
      <Tooltip title={noModel}>
        <span>
          <Choice
            label="Predicted"
            testId="filter-predicted"
            disabled={!hasPredictions}
            value={filter.predicted ?? ANY}
            options={[{ value: ANY, text: 'Any' }, ...classOptions]}
            onChange={(v) => set({ predicted: v === ANY ? undefined : v })}
          />
        </span>
      </Tooltip>
      <Tooltip title={noModel}>
        <Box sx={{ width: 180, px: 1 }}>
          <ConfidenceSlider value={filter.confidence} disabled={!hasPredictions} onCommit={(confidence) => set({ confidence })} />
        </Box>
      </Tooltip>
      <Tooltip title={noModel || 'Only images whose label differs from the suggestion'}>
        <FormControlLabel
          disabled={!hasPredictions}
          control={<Switch size="small" checked={filter.disagree} onChange={(e) => set({ disagree: e.target.checked })} data-testid="filter-disagree" />}
          label="Disagrees with model"
        />
      </Tooltip>
      <Tooltip title="Only images with a copy in the dataset: the same picture, flipped, rotated or re-encoded">
        <FormControlLabel
          control={<Switch size="small" checked={!!filter.duplicates} onChange={(e) => set({ duplicates: e.target.checked })} data-testid="filter-duplicates" />}
          label="Duplicates"
        />
      </Tooltip>
      <Tooltip title="Only copies of one picture that carry different labels">
        <FormControlLabel
          control={<Switch size="small" checked={!!filter.conflicts} onChange={(e) => set({ conflicts: e.target.checked })} data-testid="filter-conflicts" />}
          label="Label conflicts"
        />
      </Tooltip>
      <Choice
        label="Order"
        testId="filter-order"
        width={190}
        value={filter.order === 'uncertainty' && !hasPredictions ? 'path' : filter.order}
        options={[
          { value: 'path', text: 'File path' },
          { value: 'sample', text: 'Shuffled (stable)' },
          ...(hasPredictions ? [{ value: 'uncertainty', text: 'Least certain first' }] : []),
        ]}
        onChange={(v) => set({ order: v as LabelFilter['order'] })}
      />
      {JSON.stringify(filter) !== JSON.stringify(defaultFilter) && (
        <Typography
          component="button"
          variant="body2"
          onClick={() => onChange(defaultFilter)}
          sx={{ border: 0, background: 'none', color: 'primary.main', cursor: 'pointer', p: 0 }}
          data-testid="filter-reset"
        >
          Show all
        </Typography>
      )}
    </Stack>
  );
}
