/**
 * The "new analysis" form's settings, shared by the viewer panel and the queue dialog and
 * remembered between sessions, and their translation into the contract's AnalysisParams.
 */
import type { AnalysisParamsInput, TissueParams } from '@shared/contract/analysis';

export type ResolutionUnit = 'mpp' | 'magnification';

export interface RunSettings {
  model: string;
  unit: ResolutionUnit;
  /** As typed; empty means the default resolution. */
  resolution: string;
  overlap: number;
  minTissue: number;
}

export const defaultRunSettings: RunSettings = { model: '', unit: 'mpp', resolution: '', overlap: 0, minTissue: 0.25 };

const key = 'tessella.analysis.runSettings';

export function readRunSettings(): RunSettings {
  try {
    const s = { ...defaultRunSettings, ...(JSON.parse(localStorage.getItem(key) ?? '{}') as Partial<RunSettings>) };
    return {
      model: typeof s.model === 'string' ? s.model : '',
      unit: s.unit === 'magnification' ? 'magnification' : 'mpp',
      resolution: typeof s.resolution === 'string' ? s.resolution : '',
      overlap: typeof s.overlap === 'number' && s.overlap >= 0 && s.overlap <= 0.75 ? s.overlap : 0,
      minTissue: typeof s.minTissue === 'number' && s.minTissue >= 0 && s.minTissue <= 1 ? s.minTissue : 0.25,
    };
  } catch {
    return defaultRunSettings;
  }
}

export function writeRunSettings(s: RunSettings) {
  try {
    localStorage.setItem(key, JSON.stringify(s));
  } catch {
    // Only a preference.
  }
}

const limits: Record<ResolutionUnit, [number, number]> = { mpp: [0.05, 64], magnification: [0.1, 400] };

/** The contract's params, or a message saying what is wrong with the form. */
/** `precision`: the engine.precision setting, which analyses started from the app use. */
export function toParams(s: RunSettings, tissue?: TissueParams, precision?: 'fp32' | 'int8'): { params: AnalysisParamsInput } | { error: string } {
  const params: AnalysisParamsInput = { overlap: s.overlap, minTissue: s.minTissue, ...(precision ? { precision } : {}) };
  if (tissue) params.tissue = tissue;
  const text = s.resolution.trim().replace(/[×x]$/i, '');
  if (text) {
    const v = Number(text);
    const [lo, hi] = limits[s.unit];
    if (!Number.isFinite(v) || v < lo || v > hi) {
      return { error: s.unit === 'mpp' ? `Resolution must be ${lo}–${hi} µm/px` : `Magnification must be ${lo}–${hi}×` };
    }
    if (s.unit === 'mpp') params.mpp = v;
    else params.magnification = v;
  }
  return { params };
}
