/** What an import did: classes and splits, what changed since last time, duplicates, and every problem. */
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ImportSummary } from '@shared/contract/datasets';
import { ProblemList } from './ProblemList';
import { SPLITS, splitColors, splitNames } from './splitColors';

const n = (v: number) => v.toLocaleString('en-US');

export function ImportSummaryView({ summary: s }: { summary: ImportSummary }) {
  const classes = Object.entries(s.classes).sort(([a], [b]) => a.localeCompare(b));
  const reimport = s.removed + s.changed + s.unchanged > 0;
  return (
    <Box data-testid="import-result">
      <Alert severity={s.errors.length || s.outside.count || s.emptyClasses.length ? 'warning' : 'success'} sx={{ mb: 2 }}>
        <AlertTitle>
          {reimport ? 'Updated' : 'Imported'} “{s.name}”: {n(s.images)} images in {classes.length} class{classes.length === 1 ? '' : 'es'}
        </AlertTitle>
        {reimport && (
          <>
            {n(s.added)} added · {n(s.removed)} removed · {n(s.changed)} changed · {n(s.unchanged)} unchanged
            {s.splitChanges > 0 && ` · ${n(s.splitChanges)} moved to another split to keep duplicates or groups together`}
            {s.editedLabelsKept > 0 && ` · ${n(s.editedLabelsKept)} label${s.editedLabelsKept === 1 ? '' : 's'} set in Tessella kept over the folder's`}
          </>
        )}
        {!reimport && s.splitChanges > 0 && `${n(s.splitChanges)} images were placed in another split than stated, to keep duplicates or groups together.`}
      </Alert>

      <Typography variant="subtitle2" gutterBottom>
        Classes
      </Typography>
      <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.75, mb: 2 }} data-testid="import-result-classes">
        {classes.map(([label, count]) => (
          <Chip key={label} size="small" label={`${label}: ${n(count)}`} variant="outlined" />
        ))}
      </Stack>

      <Typography variant="subtitle2" gutterBottom>
        Splits
      </Typography>
      <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.75, mb: 2 }}>
        {SPLITS.map((k) => (
          <Chip key={k} size="small" label={`${splitNames[k]}: ${n(s.splits[k])}`} sx={{ bgcolor: splitColors[k], color: '#fff' }} />
        ))}
      </Stack>

      <Typography variant="subtitle2" gutterBottom>
        Duplicates
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }} data-testid="import-result-duplicates">
        {s.duplicates.exact + s.duplicates.near === 0
          ? 'No duplicates found.'
          : `${n(s.duplicates.exact)} exact and ${n(s.duplicates.near)} near-duplicate images, counting flipped, rotated and re-encoded copies (kept, each in the same split as the image it repeats).`}
        {s.duplicates.conflicts > 0 &&
          ` ${n(s.duplicates.conflicts)} duplicate group${s.duplicates.conflicts === 1 ? ' is' : 's are'} filed under more than one class: check the labels (listed below; “Label conflicts” in labelling shows them).`}
        {s.ignored > 0 && ` ${n(s.ignored)} non-image file${s.ignored === 1 ? ' was' : 's were'} passed over.`}
      </Typography>

      {s.outside.count > 0 && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="import-outside">
          <AlertTitle>
            {n(s.outside.count)} row{s.outside.count === 1 ? '' : 's'} of the CSV name an image outside the dataset's folder; left out
          </AlertTitle>
          Import again with “Also take images outside that folder” to include {s.outside.count === 1 ? 'it' : 'them'}.
          <Box component="ul" sx={{ m: 0, pl: 2, fontFamily: 'monospace', fontSize: 12 }}>
            {s.outside.first.map((p) => (
              <li key={p}>{p}</li>
            ))}
            {s.outside.count > s.outside.first.length && <li>… and {n(s.outside.count - s.outside.first.length)} more</li>}
          </Box>
        </Alert>
      )}

      {s.emptyClasses.length > 0 && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="import-empty-classes">
          <AlertTitle>
            {n(s.emptyClasses.length)} class folder{s.emptyClasses.length === 1 ? ' holds' : 's hold'} no image; no class was made for {s.emptyClasses.length === 1 ? 'it' : 'them'}
          </AlertTitle>
          <Box component="ul" sx={{ m: 0, pl: 2, fontFamily: 'monospace', fontSize: 12 }}>
            {s.emptyClasses.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </Box>
        </Alert>
      )}

      {s.errors.length > 0 && (
        <Alert severity="error" data-testid="import-errors">
          <AlertTitle>
            {n(s.errors.length)} file{s.errors.length === 1 ? '' : 's'} left out
          </AlertTitle>
          <ProblemList problems={s.errors} />
        </Alert>
      )}
    </Box>
  );
}
