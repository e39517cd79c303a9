/** How model facts read on the Models page. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** 86.4 M, 1.13 B: parameter counts as papers write them. */
export function formatParameters(millions: number): string {
  return millions >= 1000 ? `${(millions / 1000).toFixed(2)} B` : `${millions >= 100 ? Math.round(millions) : millions.toFixed(1)} M`;
}
