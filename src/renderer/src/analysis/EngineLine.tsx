/**
 * One line naming the onnxruntime provider and the precision an analysis runs (or ran) with: why
 * that provider in its tooltip, and inline why not the pinned one when a pin could not load.
 */
import Typography from '@mui/material/Typography';

export interface EngineLineProps {
  provider: string | null;
  precision: string;
  /** Why this provider (engine.info's reason), shown on hover. */
  reason?: string | null;
  /** Why not the provider pinned, shown inline. */
  fallback?: string | null;
  testId: string;
  ran?: boolean;
}

export function EngineLine({ provider, precision, reason, fallback, testId, ran }: EngineLineProps) {
  return (
    <Typography
      variant="caption"
      color={fallback ? 'warning.main' : 'text.secondary'}
      component="div"
      title={reason ?? fallback ?? undefined}
      data-testid={testId}
      data-provider={provider ?? ''}
      data-precision={precision}
    >
      {ran ? 'Ran' : 'Runs'} on {provider ?? '…'} · {precision}
      {fallback ? ` (${fallback})` : ''}
    </Typography>
  );
}
