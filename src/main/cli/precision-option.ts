/** `--precision fp32|int8`, read the same way by every command that runs the fast engine. */
import { isPrecision, type Precision, PRECISIONS } from '../ml/emit/quantize.js';
import { CliError, type ParsedOptions } from './command.js';

export const PRECISION_OPTION = {
  type: 'string',
  description: `onnx numeric precision: ${PRECISIONS.join(' or ')} (int8: ViT Linears quantised, 2-3x faster on CPU; ResNet convs quantised, about fp32's speed with a 4x smaller graph; check both with \`tessella model agreement\`)`,
  default: 'fp32',
} as const;

/** The precision asked for (fp32 when not given); anything else is a usage error. */
export function precisionOf(options: ParsedOptions): Precision {
  const p = String(options.precision ?? 'fp32');
  if (!isPrecision(p)) throw new CliError(`--precision must be ${PRECISIONS.join(' or ')}, got "${p}"`, 2);
  return p;
}
