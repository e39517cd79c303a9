/** The pathology foundation models Tessella knows, with what their files do not say. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { CatalogueModel, PullProgress } from '@shared/contract/models';
import { formatBytes, formatParameters } from './format-model';

interface Props {
  models: CatalogueModel[];
  pulls: Record<string, PullProgress>;
  onPull: (m: CatalogueModel) => void;
  onCancel: (p: PullProgress) => void;
}

export function CatalogueTable({ models, pulls, onPull, onCancel }: Props) {
  return (
    <Box sx={{ overflowX: 'auto' }}>
      <Table size="small" data-testid="catalogue-table">
        <TableHead>
          <TableRow>
            <TableCell>Model</TableCell>
            <TableCell>Architecture</TableCell>
            <TableCell align="right">Parameters</TableCell>
            <TableCell>Embedding</TableCell>
            <TableCell align="right">µm/px</TableCell>
            <TableCell>Licence</TableCell>
            <TableCell align="right" sx={{ minWidth: 160 }} />
          </TableRow>
        </TableHead>
        <TableBody>
          {models.map((m) => {
            const pull = pulls[m.id.toLowerCase()];
            const running = pull?.state === 'running';
            return (
              <TableRow key={m.id} hover data-testid={`catalogue-row-${m.id}`}>
                <TableCell>
                  <Typography variant="body2" sx={{ fontWeight: 600 }}>
                    {m.name}
                  </Typography>
                  <Typography variant="caption" color="text.secondary">
                    {m.id}
                  </Typography>
                </TableCell>
                <TableCell>
                  <Typography variant="body2">{m.architecture}</Typography>
                  <Typography variant="caption" color="text.secondary">
                    {m.family}
                    {m.registers ? `, ${m.registers} registers` : ''}
                  </Typography>
                </TableCell>
                <TableCell align="right">{m.parametersM ? formatParameters(m.parametersM) : '—'}</TableCell>
                <TableCell>
                  {m.embeddingDim}-d
                  <Typography variant="caption" color="text.secondary" component="div">
                    {m.pooling === 'cls+mean' ? 'CLS + patch mean' : 'CLS token'}
                  </Typography>
                </TableCell>
                <TableCell align="right">{m.mpp ?? '—'}</TableCell>
                <TableCell>
                  <Typography variant="body2">{m.license ?? '—'}</Typography>
                  {m.gated && <Chip size="small" label="gated" color="warning" variant="outlined" sx={{ mt: 0.5 }} />}
                </TableCell>
                <TableCell align="right">
                  {running ? (
                    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
                      <Box sx={{ flex: 1, minWidth: 100 }}>
                        <LinearProgress variant={pull.total > 0 ? 'determinate' : 'indeterminate'} value={pull.total > 0 ? (100 * pull.done) / pull.total : 0} />
                        <Typography variant="caption" color="text.secondary">
                          {pull.phase === 'download' ? `${formatBytes(pull.done)} of ${formatBytes(pull.total)}` : pull.phase}
                        </Typography>
                      </Box>
                      <Button size="small" onClick={() => onCancel(pull)} data-testid={`pull-cancel-${m.id}`}>
                        Stop
                      </Button>
                    </Box>
                  ) : (
                    <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'flex-end', gap: 1 }}>
                      {pull?.state === 'failed' && (
                        <Tooltip title={pull.error ?? 'failed'}>
                          <Chip size="small" color="error" label="failed" data-testid={`pull-failed-${m.id}`} />
                        </Tooltip>
                      )}
                      {pull?.state === 'cancelled' && <Chip size="small" label="stopped; pull again to resume" />}
                      {m.pulled.length > 0 && <Chip size="small" color="success" label="on disk" />}
                      <Button size="small" variant="outlined" onClick={() => onPull(m)} data-testid={`pull-${m.id}`}>
                        {m.pulled.length > 0 ? 'Update' : 'Pull'}
                      </Button>
                    </Box>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Box>
  );
}
