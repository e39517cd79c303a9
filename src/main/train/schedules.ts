/** Learning-rate schedules: linear warmup from zero, then cosine or linear decay (or none). */

export interface ScheduleSpec {
  baseLr: number;
  /** Optimizer steps of warmup (0: none). */
  warmupSteps: number;
  /** Optimizer steps of the whole run. */
  totalSteps: number;
  decay: 'cosine' | 'linear' | 'constant';
  /** The rate decays to minLrRatio * baseLr at the last step. */
  minLrRatio: number;
}

/** Rate for optimizer step `step` (0-based). */
export function learningRate(step: number, s: ScheduleSpec): number {
  if (step < s.warmupSteps) return (s.baseLr * (step + 1)) / s.warmupSteps;
  if (s.decay === 'constant') return s.baseLr;
  const span = s.totalSteps - s.warmupSteps;
  // progress is 0 at the first step after warmup and 1 at the last step of the run
  const p = span <= 1 ? 1 : Math.min(1, (step - s.warmupSteps) / (span - 1));
  const min = s.baseLr * s.minLrRatio;
  if (s.decay === 'linear') return s.baseLr - (s.baseLr - min) * p;
  return min + (s.baseLr - min) * 0.5 * (1 + Math.cos(Math.PI * p));
}
