/**
 * Export an analysis to a folder on the machine running Tessella: heatmap.png (aligned to the
 * slide thumbnail, for the class the heatmap shows), tiles.csv, tiles.geojson for QuPath and
 * summary.json. The path is typed because browser mode cannot open a native folder picker.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import SaveAltIcon from '@mui/icons-material/SaveAlt';
import { api, errorMessage } from '../api';
import { recallText, rememberText } from '../rememberedText';

const dirKey = 'tessella.analysis.exportDir';

export function ExportSection({ analysisId, heatmapClass }: { analysisId: number; heatmapClass: string | undefined }) {
  const [dir, setDir] = useState(() => recallText(dirKey));
  const [files, setFiles] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    setError(null);
    setFiles(null);
    try {
      const r = await api.call('analysis.export', { id: analysisId, dir: dir.trim(), heatmapClass });
      setFiles([r.heatmap, r.csv, r.geojson, r.summary]);
      rememberText(dirKey, dir.trim());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box>
      <Box sx={{ display: 'flex', gap: 1 }}>
        <TextField
          size="small"
          label="Folder"
          placeholder="/path/to/folder"
          value={dir}
          onChange={(e) => setDir(e.target.value)}
          sx={{ flex: 1 }}
          slotProps={{ htmlInput: { 'data-testid': 'analysis-export-dir' } }}
        />
        <Button variant="outlined" startIcon={<SaveAltIcon />} onClick={run} disabled={!dir.trim() || busy} data-testid="analysis-export">
          Export
        </Button>
      </Box>
      <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>
        Created if missing{heatmapClass ? `; the heatmap shows ${heatmapClass}` : ''}.
      </Typography>
      {error && (
        <Alert severity="error" sx={{ mt: 1 }}>
          {error}
        </Alert>
      )}
      {files && (
        <Alert severity="success" sx={{ mt: 1 }} data-testid="analysis-export-files">
          Wrote
          {files.map((f) => (
            <Box key={f} component="div" sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>
              {f}
            </Box>
          ))}
        </Alert>
      )}
    </Box>
  );
}
