/**
 * CSV beside a report, RFC 4180: CRLF line ends, a header row, fields with a comma, quote or line
 * break quoted with quotes doubled. Numbers are written as they are (probabilities to 6 places,
 * what float32 carries), empty for unknown.
 */
import { type CsvCell, csvField as quoteField } from '../csv-format.js';
import { tilesCsv } from '../analysis/exports.js';
import type { PredictionRow } from '../store/analysis-repo.js';

export type Cell = CsvCell;

/** A report's field: a value that is not a number (NaN, Infinity) is unknown, so empty like null. */
export function csvField(v: Cell): string {
  return quoteField(typeof v === 'number' && !Number.isFinite(v) ? null : v);
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** One row per classified tile, as the analysis stored it (row-major order): the analysis export's tiles.csv. */
export function tilePredictionsCsv(tiles: PredictionRow[], labels: string[]): string {
  return tilesCsv(tiles, labels, '\r\n');
}
