/** A run's stored configuration as name/value rows, grouped the way the Training form groups them. */
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import type { ResolvedTrainConfig } from '@shared/contract/training';
import { monitorLabels } from './formatRun';

function augmentText(a: ResolvedTrainConfig['augment']): string {
  if (!a) return 'off';
  const parts = [a.hflip && 'h-flip', a.vflip && 'v-flip', a.rot90 && 'rot90'].filter(Boolean) as string[];
  if (a.crop) parts.push(`crop ${a.crop.scale[0]}–${a.crop.scale[1]} area`);
  const jitter = [a.brightness && `brightness ${a.brightness}`, a.contrast && `contrast ${a.contrast}`, a.saturation && `saturation ${a.saturation}`, a.hue && `hue ${a.hue}`].filter(Boolean);
  parts.push(...(jitter as string[]));
  if (a.hed) parts.push(`HED σ ${a.hed.sigma}, bias ${a.hed.bias}`);
  return parts.length ? parts.join(', ') : 'none';
}

export function configRows(c: ResolvedTrainConfig): [string, string][] {
  return [
    ['Starting point', c.init ?? c.arch ?? '—'],
    ['Mode', c.mode === 'last-k' ? `last ${c.lastK} blocks` : c.mode],
    ['Epochs', String(c.epochs)],
    ['Batch size', c.accumulate > 1 ? `${c.batchSize} × ${c.accumulate} accumulated` : String(c.batchSize)],
    ['Optimizer', c.optimizer === 'sgd' ? `SGD, momentum ${c.momentum}` : `AdamW, betas ${c.betas.join(', ')}`],
    ['Learning rate', String(c.lr)],
    ['Weight decay', String(c.weightDecay)],
    ['Schedule', `${c.warmupEpochs} warmup epoch${c.warmupEpochs === 1 ? '' : 's'}, ${c.decay} decay to ${c.minLrRatio} × lr`],
    ['Label smoothing', String(c.labelSmoothing)],
    ['Class balance', c.balance],
    ['Gradient clipping', c.maxGradNorm === null ? 'none' : `norm ${c.maxGradNorm}`],
    ['Monitor', monitorLabels[c.monitor]],
    ['Early stopping', c.patience === null ? 'off' : `after ${c.patience} epochs without improvement > ${c.minDelta}`],
    ['Seed', String(c.seed)],
    ['Augmentation', c.mode === 'head' && c.augment ? `${augmentText(c.augment)} (not applied in head mode)` : augmentText(c.augment)],
    ['Stain normalisation', c.stain ? `${c.stain.method}, reference ${c.stain.reference}` : 'off'],
    ...(c.out ? ([['Output folder', c.out]] as [string, string][]) : []),
  ];
}

export function ConfigTable({ config }: { config: ResolvedTrainConfig }) {
  return (
    <Table size="small" data-testid="run-config">
      <TableBody>
        {configRows(config).map(([k, v]) => (
          <TableRow key={k} data-testid="run-config-row" data-key={k}>
            <TableCell sx={{ color: 'text.secondary', width: 180, verticalAlign: 'top' }}>{k}</TableCell>
            <TableCell sx={{ wordBreak: 'break-word' }}>{v}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
