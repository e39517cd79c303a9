/** Fixed colours for the three splits, used by the chart, its legend and the split chips alike. */
export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export const splitColors: Record<SplitName, string> = { train: '#3b4a9c', val: '#e0a030', test: '#2a9d8f' };

export const splitNames: Record<SplitName, string> = { train: 'Train', val: 'Validation', test: 'Test' };
