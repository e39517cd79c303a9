/**
 * The slide's annotations in a slide report, when asked: per class the count and total area,
 * each annotation's class, kind and area (the viewer's words: src/shared/annotation-shape.ts),
 * and their outlines over the thumbnail in their class colours.
 */
import sharp from 'sharp';
import { areaOf, formatArea, shapeName } from '../../shared/annotation-shape.js';
import type { Annotation, AnnotationClass } from '../../shared/contract/annotations.js';
import type { AppContext } from '../app-context.js';
import { annotationService } from '../annotations/service.js';
import { dataUrl, esc, imgTag, swatch, table } from './layout.js';

/** Rows listed one by one; a slide of QuPath detections can hold hundreds of thousands. */
const LISTED = 200;
/** Shapes drawn over the thumbnail. */
const DRAWN = 5_000;
const UNCLASSIFIED = 'Unclassified';
const GREY = '#9e9e9e';

export interface AnnotationRowData {
  name: string | null;
  className: string;
  color: string;
  shape: string;
  /** Square level-0 pixels; 0 for points and lines. */
  areaPx: number;
  area: string | null;
}

export interface AnnotationReportData {
  total: number;
  mpp: { x: number; y: number } | null;
  byClass: { className: string; color: string; count: number; areaPx: number; area: string | null }[];
  rows: AnnotationRowData[];
  /** The thumbnail with every annotation (up to DRAWN) outlined, JPEG. */
  overlay: Buffer;
}

function colourOf(a: Annotation, classes: Map<number, AnnotationClass>): string {
  return a.color ?? (a.classId !== null ? classes.get(a.classId)?.color : undefined) ?? GREY;
}

/** An SVG path of the geometry's rings and lines, in thumbnail pixels. */
function pathOf(g: Annotation['geometry'], sx: number, sy: number): string {
  const pt = (p: number[]) => `${(p[0]! * sx).toFixed(1)},${(p[1]! * sy).toFixed(1)}`;
  const line = (ps: number[][], close: boolean) => `M${ps.map(pt).join('L')}${close ? 'Z' : ''}`;
  switch (g.type) {
    case 'Polygon':
      return g.coordinates.map((r) => line(r, true)).join('');
    case 'MultiPolygon':
      return g.coordinates.flatMap((poly) => poly.map((r) => line(r, true))).join('');
    case 'LineString':
      return line(g.coordinates, false);
    case 'MultiLineString':
      return g.coordinates.map((l) => line(l, false)).join('');
    case 'Point':
    case 'MultiPoint': {
      const pts = g.type === 'Point' ? [g.coordinates] : g.coordinates;
      // A small diamond per point: a path, so one element kind serves every shape.
      return pts.map((p) => { const x = p[0]! * sx, y = p[1]! * sy; return `M${(x - 3).toFixed(1)},${y.toFixed(1)}L${x.toFixed(1)},${(y - 3).toFixed(1)}L${(x + 3).toFixed(1)},${y.toFixed(1)}L${x.toFixed(1)},${(y + 3).toFixed(1)}Z`; }).join('');
    }
  }
}

export async function collectAnnotations(ctx: AppContext, slideId: number): Promise<AnnotationReportData> {
  const svc = annotationService(ctx);
  const slide = ctx.slides.require(slideId);
  const annotations = svc.list(slideId);
  const classes = new Map(svc.classes().map((c) => [c.id, c]));
  const mpp = slide.mpp;
  const rows: AnnotationRowData[] = annotations.map((a) => ({
    name: a.name,
    className: a.className ?? UNCLASSIFIED,
    color: colourOf(a, classes),
    shape: shapeName(a.geometry, a.objectType),
    areaPx: areaOf(a.geometry),
    area: formatArea(areaOf(a.geometry), mpp),
  }));
  const groups = new Map<string, { className: string; color: string; count: number; areaPx: number }>();
  for (const r of rows) {
    const g = groups.get(r.className) ?? { className: r.className, color: r.color, count: 0, areaPx: 0 };
    g.count++;
    g.areaPx += r.areaPx;
    groups.set(r.className, g);
  }
  const byClass = [...groups.values()]
    .sort((a, b) => b.areaPx - a.areaPx || a.className.localeCompare(b.className))
    .map((g) => ({ ...g, area: formatArea(g.areaPx, mpp) }));

  const thumb = await ctx.slides.thumbnail(slideId);
  const meta = await sharp(thumb).metadata();
  const w = meta.width!;
  const h = meta.height!;
  const sx = w / slide.width;
  const sy = h / slide.height;
  const paths = annotations
    .slice(0, DRAWN)
    .map((a) => `<path d="${pathOf(a.geometry, sx, sy)}" stroke="${esc(colourOf(a, classes))}"/>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><g fill="none" stroke-width="2" stroke-linejoin="round">${paths}</g></svg>`;
  const overlay = await sharp(thumb).composite([{ input: Buffer.from(svg) }]).jpeg({ quality: 88 }).toBuffer();
  return { total: annotations.length, mpp, byClass, rows: rows.slice(0, LISTED), overlay };
}

export function annotationSectionHtml(d: AnnotationReportData): string {
  if (d.total === 0) return `<section class="major" id="annotations"><h2>Annotations</h2><p class="muted">This slide has no annotations.</p></section>`;
  const unit = d.mpp ? '' : ' (in square pixels: the slide has no pixel size)';
  const classes = table(
    [
      { head: 'Class', cell: (g: AnnotationReportData['byClass'][number]) => `${swatch(g.color)}${esc(g.className)}`, html: true },
      { head: 'Annotations', cell: (g) => g.count, num: true },
      { head: 'Total area', cell: (g) => g.area, num: true },
    ],
    d.byClass,
    { keep: true },
  );
  const list = table(
    [
      { head: '#', cell: (r: AnnotationRowData & { n: number }) => r.n, num: true },
      { head: 'Class', cell: (r) => `${swatch(r.color)}${esc(r.className)}`, html: true },
      { head: 'Kind', cell: (r) => r.shape },
      { head: 'Name', cell: (r) => r.name },
      { head: 'Area', cell: (r) => r.area, num: true },
    ],
    d.rows.map((r, i) => ({ ...r, n: i + 1 })),
  );
  const more = d.total > d.rows.length ? `<p class="muted">The first ${d.rows.length} of ${d.total} annotations are listed; the class totals count them all.</p>` : '';
  return `<section class="major" id="annotations"><h2>Annotations</h2>
<p class="muted">${d.total} annotation${d.total === 1 ? '' : 's'} on this slide${unit}.</p>
<div class="row"><figure>${imgTag(dataUrl('image/jpeg', d.overlay), 'annotations over the slide thumbnail', 'slide')}<figcaption>Annotations outlined in their class colours.</figcaption></figure>${classes}</div>
${list}${more}</section>`;
}
