/**
 * Writing CSV, RFC 4180 style: a field holding a comma, quote or line break is quoted, quotes
 * doubled; null and undefined are empty. Every CSV Tessella writes goes through here (the reader
 * is datasets/csv.ts).
 */
export type CsvCell = string | number | null | undefined;

export function csvField(v: CsvCell): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header and rows, each line ended by `eol`. */
export function csvText(header: CsvCell[], rows: CsvCell[][], eol: '\n' | '\r\n' = '\n'): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join(eol) + eol;
}
