/**
 * When a model's held-out balanced accuracy is not above chance: shared so the registry (which
 * flags it) and anything reading a quality record agree on the rule.
 */

/** Point estimates within this of chance count as chance even without an interval. */
export const chanceMargin = 0.05;

/**
 * True when the model does no better than guessing among `classes` classes: the interval's lower
 * bound is at or under 1/k, or (no interval) the point estimate is within `chanceMargin` of 1/k.
 */
export function notAboveChance(balancedAccuracy: number, ci: readonly [number, number] | null, classes: number): boolean {
  const chance = 1 / Math.max(classes, 1);
  if (balancedAccuracy <= chance + chanceMargin) return true;
  return ci !== null && ci[0] <= chance;
}
