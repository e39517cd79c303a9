/** Display formatting shared by the library and the viewer, so numbers read the same everywhere. */

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatDimensions(width: number, height: number): string {
  return `${width.toLocaleString('en-US')} × ${height.toLocaleString('en-US')} px`;
}

export function formatMpp(mpp: { x: number; y: number } | null): string | null {
  if (!mpp) return null;
  const same = Math.abs(mpp.x - mpp.y) / Math.max(mpp.x, mpp.y) < 0.01;
  return same ? `${mpp.x.toPrecision(3)} µm/px` : `${mpp.x.toPrecision(3)} × ${mpp.y.toPrecision(3)} µm/px`;
}

/** One decimal (12.3×), dropped when whole (20×) so objective powers read as on the microscope. */
export function formatMagnification(power: number): string {
  return `${power.toFixed(1).replace(/\.0$/, '')}×`;
}

export function formatLength(micrometres: number): string {
  if (micrometres >= 1000) return `${trim(micrometres / 1000)} mm`;
  if (micrometres >= 1) return `${trim(micrometres)} µm`;
  return `${trim(micrometres * 1000)} nm`;
}

function trim(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1).replace(/\.0$/, '') : value.toFixed(2).replace(/\.?0+$/, '');
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}
