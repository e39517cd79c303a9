/** What every report asks for: an optional title, notes for the reader, and the paper size. */
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { PageSize } from '@shared/contract/reports';

export interface ReportOptions {
  title: string;
  notes: string;
  pageSize: PageSize;
  /** Keep the self-contained HTML beside the PDF. */
  html: boolean;
  /** Write the report's table of numbers as CSV (a cohort report always does). */
  csv: boolean;
}

const storeKey = 'tessella.reports.options';

type Remembered = Pick<ReportOptions, 'pageSize' | 'html' | 'csv'>;

/** Paper size is a property of where the user works (A4 in Europe, Letter in the US), and which files they want a habit: both remembered. */
export function defaultReportOptions(): ReportOptions {
  let kept: Partial<Remembered> = {};
  try {
    kept = JSON.parse(localStorage.getItem(storeKey) ?? '{}') as Partial<Remembered>;
  } catch {
    // Storage can be disabled or hold junk; defaults it is.
  }
  return { title: '', notes: '', pageSize: kept.pageSize === 'Letter' ? 'Letter' : 'A4', html: kept.html === true, csv: kept.csv === true };
}

export function rememberOptions(o: ReportOptions) {
  try {
    localStorage.setItem(storeKey, JSON.stringify({ pageSize: o.pageSize, html: o.html, csv: o.csv } satisfies Remembered));
  } catch {
    // Only a convenience.
  }
}

/** The contract's optional text fields: empty text is left out so the server picks its defaults. */
export function optionsInput(o: ReportOptions): { title?: string; notes?: string; pageSize: PageSize } {
  return { ...(o.title.trim() ? { title: o.title.trim() } : {}), ...(o.notes.trim() ? { notes: o.notes } : {}), pageSize: o.pageSize };
}

export function ReportOptionsFields({
  value,
  onChange,
  titlePlaceholder,
  csvLabel,
}: {
  value: ReportOptions;
  onChange: (o: ReportOptions) => void;
  titlePlaceholder: string;
  /** What the CSV holds for this kind of report; null when it is always written. */
  csvLabel: string | null;
}) {
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      <TextField
        size="small"
        label="Title"
        placeholder={titlePlaceholder}
        value={value.title}
        onChange={(e) => onChange({ ...value, title: e.target.value })}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { maxLength: 200, 'data-testid': 'report-title' } }}
      />
      <TextField
        label="Notes"
        placeholder="Context for the reader: the question, the cases, caveats. Printed on the first page."
        multiline
        minRows={3}
        maxRows={10}
        value={value.notes}
        onChange={(e) => onChange({ ...value, notes: e.target.value })}
        // Enter makes a new line in the notes; Ctrl+Enter (⌘+Enter) still submits the dialog.
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            (e.target as HTMLTextAreaElement).form?.requestSubmit();
          }
        }}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { maxLength: 20_000, 'data-testid': 'report-notes' } }}
      />
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="body2" color="text.secondary">
          Paper
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={value.pageSize}
          onChange={(_e, v: PageSize | null) => v && onChange({ ...value, pageSize: v })}
          aria-label="Paper size"
        >
          <ToggleButton value="A4" data-testid="report-page-A4">
            A4
          </ToggleButton>
          <ToggleButton value="Letter" data-testid="report-page-Letter">
            Letter
          </ToggleButton>
        </ToggleButtonGroup>
      </Box>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="body2" color="text.secondary">
          Also save
        </Typography>
        <FormControlLabel
          control={<Checkbox size="small" checked={value.html} onChange={(e) => onChange({ ...value, html: e.target.checked })} data-testid="report-save-html" />}
          label={<Typography variant="body2">HTML (self-contained)</Typography>}
        />
        {csvLabel ? (
          <FormControlLabel
            control={<Checkbox size="small" checked={value.csv} onChange={(e) => onChange({ ...value, csv: e.target.checked })} data-testid="report-save-csv" />}
            label={<Typography variant="body2">CSV ({csvLabel})</Typography>}
          />
        ) : (
          <FormControlLabel control={<Checkbox size="small" checked disabled />} label={<Typography variant="body2">CSV (always, for a cohort)</Typography>} />
        )}
      </Box>
    </Box>
  );
}
