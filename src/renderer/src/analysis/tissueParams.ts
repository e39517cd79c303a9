/**
 * Tissue-detection settings as the panel edits them. The defaults repeat the contract's (the
 * renderer imports contract types only, keeping zod out of its bundle); the type keeps them in
 * step with the schema's fields.
 */
import type { TissueParams } from '@shared/contract/analysis';

export const defaultTissueParams: TissueParams = {
  method: 'both',
  maskMpp: 8,
  minAreaUm2: 5000,
  fillHoles: true,
  maxHoleUm2: 100_000,
  rejectPen: true,
  rejectGlass: true,
};

export const tissueMethods: { value: TissueParams['method']; label: string }[] = [
  { value: 'both', label: 'Saturation or grey level' },
  { value: 'saturation', label: 'Saturation only' },
  { value: 'grey', label: 'Grey level only' },
];
