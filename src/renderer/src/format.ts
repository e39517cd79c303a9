/** Display formatting shared by the library and the viewer, so numbers read the same everywhere. */
import type { MppSource } from '@shared/api';
import { MPP_SOURCE_TEXT, mppText } from '@shared/pixel-size';

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

/** "0.499 µm/px", "0.5 µm/px" (three significant digits, as the CLI and reports write it). */
export function formatMpp(mpp: { x: number; y: number } | null): string | null {
  return mpp ? mppText(mpp) : null;
}

/** "0.5 µm/px, set by the user" or "0.499 µm/px, from the file": a typed-in value is never taken for the scanner's. */
export function formatPixelSize(slide: { mpp: { x: number; y: number } | null; mppSource: MppSource | null }): string | null {
  const text = formatMpp(slide.mpp);
  return text && slide.mppSource ? `${text}, ${MPP_SOURCE_TEXT[slide.mppSource]}` : text;
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

/** 0.4 s · 45 s · 3 min 05 s · 2 h 07 min · 3 d 4 h: two units at most, the larger first. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  // short head-mode runs train in fractions of a second; "0 s" would hide that there was any
  if (seconds < 9.95 && !Number.isInteger(seconds)) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** The last part of a path (a file, or a folder such as a checkpoint's), whichever separator the machine that wrote it uses. */
export function baseName(path: string): string {
  return path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? path;
}
