/**
 * CSV beside a report, RFC 4180: CRLF line ends, a header row, fields with a comma, quote or line
 * break quoted with quotes doubled. Numbers are written as they are (probabilities to 6 places,
 * what float32 carries), empty for unknown.
 */
import type { PredictionRow } from '../store/analysis-repo.js';

export type Cell = string | number | null | undefined;

export function csvField(v: Cell): string {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const p6 = (v: number) => +v.toFixed(6);

/** One row per classified tile, as the analysis stored it (row-major order). */
export function tilePredictionsCsv(tiles: PredictionRow[], labels: string[]): string {
  return toCsv(
    ['x', 'y', 'width', 'height', 'tissue', 'label', ...labels.map((l) => `p_${l}`)],
    tiles.map((t) => [t.x, t.y, t.w, t.h, p6(t.tissue), labels[t.label], ...Array.from(t.probs, p6)]),
  );
}
