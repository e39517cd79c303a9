/**
 * Charts drawn on the Node side as inline SVG, so a report is one static document that prints the
 * same in Electron and in headless Chromium: horizontal bars, lines with a legend, a confusion
 * matrix and a colour bar. Sizes are in CSS pixels of the viewBox; the SVG scales to its box.
 */
import { esc } from './layout.js';

const AXIS = '#8a939d';
const GRID = '#e3e7eb';
const TEXT = '#1c232b';
const MUTED = '#5a6470';

function n(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

function svg(width: number, height: number, body: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n(width)} ${n(height)}" width="100%" role="img" aria-label="${esc(label)}" style="max-width:${n(width)}px">${body}</svg>`;
}

function text(x: number, y: number, s: string, opts: { anchor?: 'start' | 'middle' | 'end'; size?: number; color?: string; weight?: number; rotate?: number } = {}): string {
  const t = opts.rotate ? ` transform="rotate(${opts.rotate} ${n(x)} ${n(y)})"` : '';
  return `<text x="${n(x)}" y="${n(y)}" font-size="${opts.size ?? 11}" fill="${opts.color ?? TEXT}"${opts.anchor ? ` text-anchor="${opts.anchor}"` : ''}${opts.weight ? ` font-weight="${opts.weight}"` : ''}${t}>${esc(s)}</text>`;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(1);
  return String(+v.toPrecision(3));
}

export interface Bar {
  label: string;
  value: number;
  color: string;
}

/** Horizontal bars, one per item, with the value printed after each bar. */
export function barChart(bars: Bar[], opts: { max?: number; format?: (v: number) => string; width?: number; title?: string } = {}): string {
  const width = opts.width ?? 520;
  const row = 22;
  const labelW = Math.min(180, 16 + 6.4 * Math.max(4, ...bars.map((b) => b.label.length)));
  const valueW = 56;
  const plotW = width - labelW - valueW;
  const max = opts.max ?? Math.max(1e-12, ...bars.map((b) => b.value));
  const format = opts.format ?? ((v: number) => tickText(v));
  const height = bars.length * row + 8;
  const body = bars
    .map((b, i) => {
      const y = 4 + i * row;
      const w = Math.max(0, Math.min(1, b.value / max)) * plotW;
      return (
        text(labelW - 8, y + 15, b.label, { anchor: 'end' }) +
        `<rect x="${n(labelW)}" y="${n(y + 3)}" width="${n(plotW)}" height="${row - 6}" fill="${GRID}" opacity="0.5"/>` +
        `<rect x="${n(labelW)}" y="${n(y + 3)}" width="${n(w)}" height="${row - 6}" fill="${esc(b.color)}"/>` +
        text(labelW + plotW + 6, y + 15, format(b.value), { color: MUTED })
      );
    })
    .join('');
  return svg(width, height, body, opts.title ?? 'bar chart');
}

export interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  points: { x: number; y: number }[];
}

/** Lines over a shared x axis (epochs), with axes, grid, tick labels and a legend underneath. */
export function lineChart(series: Series[], opts: { xLabel: string; yLabel: string; width?: number; height?: number; yMin?: number; yMax?: number; title?: string }): string {
  const width = opts.width ?? 520;
  const plotH = opts.height ?? 200;
  const left = 52;
  const right = 14;
  const top = 10;
  const legendRows = Math.ceil(series.length / 3);
  const bottom = 40 + legendRows * 16;
  const height = top + plotH + bottom;
  const plotW = width - left - right;
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (!pts.length) return svg(width, 60, text(width / 2, 34, 'no values recorded', { anchor: 'middle', color: MUTED }), opts.title ?? 'line chart');
  let x0 = Math.min(...pts.map((p) => p.x));
  let x1 = Math.max(...pts.map((p) => p.x));
  if (x1 === x0) (x0 -= 1), (x1 += 1);
  let y0 = opts.yMin ?? Math.min(...pts.map((p) => p.y));
  let y1 = opts.yMax ?? Math.max(...pts.map((p) => p.y));
  if (y1 === y0) (y0 -= 0.5), (y1 += 0.5);
  const yt = niceTicks(y0, y1, 5);
  y0 = Math.min(y0, yt[0]!);
  y1 = Math.max(y1, yt.at(-1)!);
  const X = (v: number) => left + ((v - x0) / (x1 - x0)) * plotW;
  const Y = (v: number) => top + plotH - ((v - y0) / (y1 - y0)) * plotH;
  const xt = niceTicks(x0, x1, Math.min(8, Math.max(1, Math.round(x1 - x0)))).filter((v) => Number.isInteger(v) || x1 - x0 < 4);
  let body = '';
  for (const v of yt) body += `<line x1="${left}" x2="${n(left + plotW)}" y1="${n(Y(v))}" y2="${n(Y(v))}" stroke="${GRID}"/>` + text(left - 6, Y(v) + 4, tickText(v), { anchor: 'end', size: 10, color: MUTED });
  for (const v of xt) body += `<line x1="${n(X(v))}" x2="${n(X(v))}" y1="${n(top + plotH)}" y2="${n(top + plotH + 4)}" stroke="${AXIS}"/>` + text(X(v), top + plotH + 16, tickText(v), { anchor: 'middle', size: 10, color: MUTED });
  body += `<rect x="${left}" y="${top}" width="${n(plotW)}" height="${plotH}" fill="none" stroke="${AXIS}"/>`;
  body += text(left + plotW / 2, top + plotH + 32, opts.xLabel, { anchor: 'middle', size: 10.5, color: MUTED });
  body += text(13, top + plotH / 2, opts.yLabel, { anchor: 'middle', size: 10.5, color: MUTED, rotate: -90 });
  for (const s of series) {
    const p = s.points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y)).sort((a, b) => a.x - b.x);
    if (!p.length) continue;
    const d = p.map((q, i) => `${i ? 'L' : 'M'}${n(X(q.x))},${n(Y(q.y))}`).join('');
    body += `<path d="${d}" fill="none" stroke="${esc(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} stroke-linejoin="round"/>`;
    if (p.length <= 40) body += p.map((q) => `<circle cx="${n(X(q.x))}" cy="${n(Y(q.y))}" r="2.4" fill="${esc(s.color)}"/>`).join('');
  }
  const colW = plotW / 3;
  series.forEach((s, i) => {
    const lx = left + (i % 3) * colW;
    const ly = top + plotH + 46 + Math.floor(i / 3) * 16;
    body += `<line x1="${n(lx)}" x2="${n(lx + 18)}" y1="${n(ly - 4)}" y2="${n(ly - 4)}" stroke="${esc(s.color)}" stroke-width="2.4"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    body += text(lx + 24, ly, s.name.length > 34 ? `${s.name.slice(0, 33)}…` : s.name, { size: 10 });
  });
  return svg(width, height, body, opts.title ?? `${opts.yLabel} by ${opts.xLabel}`);
}

/** Rows are the true class, columns the predicted one; cells shaded by the row's fraction. */
export function confusionMatrix(labels: string[], matrix: number[][], opts: { title?: string } = {}): string {
  const k = labels.length;
  const cell = Math.max(26, Math.min(64, Math.floor(360 / Math.max(1, k))));
  const labelW = Math.min(150, 16 + 6.4 * Math.max(4, ...labels.map((l) => l.length)));
  const top = 34;
  const width = labelW + k * cell + 10;
  const height = top + k * cell + 26;
  let body = text(labelW + (k * cell) / 2, 12, 'predicted', { anchor: 'middle', size: 10.5, color: MUTED });
  labels.forEach((l, j) => (body += text(labelW + j * cell + cell / 2, top - 6, l.length > 10 ? `${l.slice(0, 9)}…` : l, { anchor: 'middle', size: 9.5 })));
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    body += text(labelW - 6, top + i * cell + cell / 2 + 4, labels[i] ?? '', { anchor: 'end', size: 10 });
    row.forEach((v, j) => {
      const f = total > 0 ? v / total : 0;
      // Blue for agreement on the diagonal, red for confusions.
      const [r, g, b] = i === j ? [36, 87, 127] : [190, 50, 50];
      const fill = `rgba(${r},${g},${b},${n(0.08 + 0.82 * f)})`;
      body += `<rect x="${n(labelW + j * cell)}" y="${n(top + i * cell)}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ffffff"/>`;
      body += text(labelW + j * cell + cell / 2, top + i * cell + cell / 2 + 4, String(v), { anchor: 'middle', size: 10.5, color: f > 0.55 ? '#ffffff' : TEXT, weight: i === j ? 600 : 400 });
    });
  });
  body += text(labelW + (k * cell) / 2, top + k * cell + 18, 'rows: true class', { anchor: 'middle', size: 9.5, color: MUTED });
  return svg(width, height, body, opts.title ?? 'confusion matrix');
}

/** A horizontal colour bar for a colormap sampled at `stops` (0..1), labelled at its ends. */
export function colorBar(stops: [number, number, number][], opts: { low: string; high: string; label: string; width?: number }): string {
  const width = opts.width ?? 300;
  const id = `cb${Math.random().toString(36).slice(2, 8)}`;
  const grad = stops.map((c, i) => `<stop offset="${n((i / (stops.length - 1)) * 100)}%" stop-color="rgb(${c.join(',')})"/>`).join('');
  const body =
    `<defs><linearGradient id="${id}" x1="0" x2="1" y1="0" y2="0">${grad}</linearGradient></defs>` +
    text(0, 11, opts.label, { size: 10, color: MUTED }) +
    `<rect x="0" y="16" width="${width}" height="12" fill="url(#${id})" stroke="${AXIS}" stroke-width="0.5"/>` +
    text(0, 42, opts.low, { size: 10, color: MUTED }) +
    text(width, 42, opts.high, { size: 10, color: MUTED, anchor: 'end' });
  return svg(width, 46, body, opts.label);
}

export interface StackedRow {
  label: string;
  /** Fractions in `colors` order, summing to about 1. */
  parts: number[];
}

/** One horizontal bar per row, split into coloured parts (class fractions of each slide). */
export function stackedBars(rows: StackedRow[], colors: string[], opts: { width?: number; title?: string } = {}): string {
  const width = opts.width ?? 520;
  const row = 20;
  const labelW = Math.min(200, 16 + 6 * Math.max(4, ...rows.map((r) => Math.min(30, r.label.length))));
  const plotW = width - labelW - 8;
  const height = rows.length * row + 22;
  let body = '';
  rows.forEach((r, i) => {
    const y = i * row;
    body += text(labelW - 6, y + 14, r.label.length > 30 ? `${r.label.slice(0, 29)}…` : r.label, { anchor: 'end', size: 10 });
    let x = labelW;
    r.parts.forEach((f, c) => {
      const w = Math.max(0, f) * plotW;
      if (w > 0) body += `<rect x="${n(x)}" y="${n(y + 2)}" width="${n(w)}" height="${row - 4}" fill="${esc(colors[c] ?? '#999')}"/>`;
      x += w;
    });
  });
  const axisY = rows.length * row + 2;
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    const x = labelW + v * plotW;
    body += `<line x1="${n(x)}" x2="${n(x)}" y1="${n(axisY)}" y2="${n(axisY + 4)}" stroke="${AXIS}"/>` + text(x, axisY + 15, `${v * 100}%`, { anchor: v === 0 ? 'start' : v === 1 ? 'end' : 'middle', size: 9, color: MUTED });
  }
  return svg(width, height, body, opts.title ?? 'stacked bars');
}
