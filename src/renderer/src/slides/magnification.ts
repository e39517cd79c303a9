/**
 * The one rule for "what objective is this" used everywhere: the scanner's stated objective
 * power when the file has it, otherwise the common convention of 10 µm/px ÷ mpp
 * (0.25 µm/px ≈ 40×, 0.5 µm/px ≈ 20×). Null when the file says neither.
 */
export function basePower(slide: { objectivePower: number | null; mpp: { x: number; y: number } | null }): number | null {
  if (slide.objectivePower && slide.objectivePower > 0) return slide.objectivePower;
  if (slide.mpp && slide.mpp.x > 0) return 10 / slide.mpp.x;
  return null;
}
