/**
 * Paints every visible shape onto the overlay canvas in one pass. Shapes are built once as
 * Path2D objects in slide pixels and drawn through the canvas transform, so a pan or zoom costs
 * one transform change, not a re-projection of every vertex; anything outside the view is
 * skipped by its bounding box, small areas are filled and stroked in one batch per colour, and
 * shapes smaller than a few screen pixels become dots.
 */
import type { Annotation, Geometry } from '@shared/contract/annotations';
import { withAlpha } from './colors';
import { boxCorners } from './drafts';
import { boundsOf, ellipseFrom, intersects, vertexHandles, type Bounds } from './geometry';
import { toScreen, visibleImageBounds, type Projection } from './projection';
import type { LiveState } from './useAnnotationEditor';

export interface Scene {
  annotations: readonly Annotation[];
  colorOf: (a: Annotation) => string;
  selected: ReadonlySet<string>;
  visible: boolean;
  live: LiveState;
  /** Colour of the shape being drawn: the active class's. */
  draftColor: string;
}

const fillAlpha = 0.22;
const selectedFillAlpha = 0.35;
const lineWidth = 1.5;
const selectedLineWidth = 2.5;
const pointRadius = 4;
const handleSize = 7;
/** Below this size on screen a shape is drawn as a dot: its outline would be sub-pixel noise. */
const dotThreshold = 3;
/**
 * Areas smaller than this on screen (cells, nuclei) are drawn in one path per colour: a slide
 * of detections then costs a few fills instead of thousands. Overlaps between such small shapes
 * of one colour are rare enough that the even-odd rule's gaps in them do not matter.
 */
const batchThreshold = 24;
/** Handles closer than this on screen are thinned out so dense outlines stay readable. */
const handleSpacing = 8;

const paths = new WeakMap<Geometry, Path2D>();

function pathOf(g: Geometry): Path2D {
  let path = paths.get(g);
  if (path) return path;
  path = new Path2D();
  const line = (positions: number[][], close: boolean) => {
    positions.forEach(([x, y], i) => (i === 0 ? path!.moveTo(x, y) : path!.lineTo(x, y)));
    if (close) path!.closePath();
  };
  switch (g.type) {
    case 'LineString':
      line(g.coordinates, false);
      break;
    case 'MultiLineString':
      g.coordinates.forEach((l) => line(l, false));
      break;
    case 'Polygon':
      g.coordinates.forEach((r) => line(r, true));
      break;
    case 'MultiPolygon':
      g.coordinates.forEach((poly) => poly.forEach((r) => line(r, true)));
      break;
    default:
      break;
  }
  paths.set(g, path);
  return path;
}

function pointsOf(g: Geometry): number[][] {
  if (g.type === 'Point') return [g.coordinates];
  if (g.type === 'MultiPoint') return g.coordinates;
  return [];
}

function isArea(g: Geometry): boolean {
  return g.type === 'Polygon' || g.type === 'MultiPolygon';
}

export function paintAnnotations(ctx: CanvasRenderingContext2D, proj: Projection, width: number, height: number, dpr: number, scene: Scene) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  const { live } = scene;
  const margin = (pointRadius + selectedLineWidth + handleSize) / proj.scale;
  const view = visibleImageBounds(proj, width, height);
  const culled: Bounds = { minX: view.minX - margin, minY: view.minY - margin, maxX: view.maxX + margin, maxY: view.maxY + margin };
  const imageSpace = () => ctx.setTransform(dpr * proj.a, dpr * proj.b, dpr * proj.c, dpr * proj.d, dpr * proj.e, dpr * proj.f);
  const screenSpace = () => ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const selected: { a: Annotation; geometry: Geometry }[] = [];

  if (scene.visible) {
    const dots: { x: number; y: number; color: string }[] = [];
    const points: { x: number; y: number; color: string }[] = [];
    const small = new Map<string, Geometry[]>();
    imageSpace();
    ctx.lineJoin = 'round';
    for (const a of scene.annotations) {
      const moving = live.preview?.id === a.id ? live.preview.geometry : null;
      const geometry = moving ?? a.geometry;
      const b = moving ? boundsOf(moving) : a.bbox;
      if (!intersects(b, culled)) continue;
      if (scene.selected.has(a.id)) {
        selected.push({ a, geometry });
        continue;
      }
      const color = scene.colorOf(a);
      if (geometry.type === 'Point' || geometry.type === 'MultiPoint') {
        for (const [x, y] of pointsOf(geometry)) points.push({ ...toScreen(proj, x, y), color });
        continue;
      }
      if ((b.maxX - b.minX) * proj.scale < dotThreshold && (b.maxY - b.minY) * proj.scale < dotThreshold) {
        dots.push({ ...toScreen(proj, (b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2), color });
        continue;
      }
      if (isArea(geometry) && Math.max(b.maxX - b.minX, b.maxY - b.minY) * proj.scale < batchThreshold) {
        const batch = small.get(color);
        if (batch) batch.push(geometry);
        else small.set(color, [geometry]);
        continue;
      }
      const path = pathOf(geometry);
      if (isArea(geometry)) {
        ctx.fillStyle = withAlpha(color, fillAlpha);
        ctx.fill(path, 'evenodd');
      }
      ctx.strokeStyle = color;
      ctx.lineWidth = lineWidth / proj.scale;
      ctx.stroke(path);
    }
    // One CSS pixel, which rasterises as a hairline: thicker strokes of thousands of small
    // outlines cost several times more (measured in Chromium's software canvas).
    ctx.lineWidth = 1 / proj.scale;
    ctx.lineJoin = 'miter';
    for (const [color, batch] of small) {
      const combined = new Path2D();
      for (const g of batch) combined.addPath(pathOf(g));
      ctx.fillStyle = withAlpha(color, fillAlpha);
      ctx.fill(combined, 'evenodd');
      ctx.strokeStyle = color;
      ctx.stroke(combined);
    }
    screenSpace();
    for (const d of dots) {
      ctx.fillStyle = d.color;
      ctx.fillRect(d.x - 1.5, d.y - 1.5, 3, 3);
    }
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(0,0,0,0.7)';
    for (const p of points) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, pointRadius, 0, Math.PI * 2);
      ctx.fillStyle = p.color;
      ctx.fill();
      ctx.stroke();
    }
    // Selected shapes last, so their outline and handles are never hidden under neighbours.
    for (const { a, geometry } of selected) paintSelected(ctx, proj, dpr, geometry, scene.colorOf(a), !a.locked);
  }
  if (live.draft) paintDraft(ctx, proj, dpr, scene);
}

function paintSelected(ctx: CanvasRenderingContext2D, proj: Projection, dpr: number, geometry: Geometry, color: string, editable: boolean) {
  if (geometry.type !== 'Point' && geometry.type !== 'MultiPoint') {
    ctx.setTransform(dpr * proj.a, dpr * proj.b, dpr * proj.c, dpr * proj.d, dpr * proj.e, dpr * proj.f);
    const path = pathOf(geometry);
    if (isArea(geometry)) {
      ctx.fillStyle = withAlpha(color, selectedFillAlpha);
      ctx.fill(path, 'evenodd');
    }
    // A white halo under the class colour: the selection reads on pale and dark tissue alike.
    ctx.strokeStyle = 'rgba(255,255,255,0.9)';
    ctx.lineWidth = (selectedLineWidth + 3) / proj.scale;
    ctx.stroke(path);
    ctx.strokeStyle = color;
    ctx.lineWidth = selectedLineWidth / proj.scale;
    ctx.stroke(path);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  let last: { x: number; y: number } | null = null;
  for (const v of vertexHandles(geometry)) {
    const s = toScreen(proj, v.x, v.y);
    const isPoint = geometry.type === 'Point' || geometry.type === 'MultiPoint';
    if (!isPoint && last && Math.hypot(s.x - last.x, s.y - last.y) < handleSpacing) continue;
    last = s;
    if (isPoint) {
      // Larger, in a white ring with a dark rim, so it stands out on pale glass and dark nuclei alike.
      ctx.beginPath();
      ctx.arc(s.x, s.y, pointRadius + 4, 0, Math.PI * 2);
      ctx.fillStyle = 'rgba(0,0,0,0.75)';
      ctx.fill();
      ctx.beginPath();
      ctx.arc(s.x, s.y, pointRadius + 3, 0, Math.PI * 2);
      ctx.fillStyle = '#fff';
      ctx.fill();
      ctx.beginPath();
      ctx.arc(s.x, s.y, pointRadius + 1, 0, Math.PI * 2);
      ctx.fillStyle = color;
      ctx.fill();
    } else if (editable) {
      ctx.fillStyle = '#fff';
      ctx.fillRect(s.x - handleSize / 2, s.y - handleSize / 2, handleSize, handleSize);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = color;
      ctx.strokeRect(s.x - handleSize / 2, s.y - handleSize / 2, handleSize, handleSize);
    }
  }
}

function paintDraft(ctx: CanvasRenderingContext2D, proj: Projection, dpr: number, scene: Scene) {
  const draft = scene.live.draft!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const color = scene.draftColor;
  let outline: { x: number; y: number }[];
  let closed = true;
  if (draft.tool === 'rectangle' || draft.tool === 'ellipse') {
    const [a, b] = boxCorners(draft);
    const corners =
      draft.tool === 'rectangle'
        ? [a, { x: b.x, y: a.y }, b, { x: a.x, y: b.y }]
        : (ellipseFrom(a, b).coordinates as number[][][])[0].map(([x, y]) => ({ x, y }));
    outline = corners.map((p) => toScreen(proj, p.x, p.y));
  } else {
    outline = draft.points.map((p) => toScreen(proj, p.x, p.y));
    closed = draft.tool === 'freehand';
    const pointer = scene.live.pointer;
    if (draft.tool === 'polygon' && pointer) outline.push(toScreen(proj, pointer.x, pointer.y));
  }
  if (!outline.length) return;
  ctx.beginPath();
  outline.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
  if (closed) ctx.closePath();
  ctx.fillStyle = withAlpha(color, 0.15);
  if (outline.length > 2) ctx.fill();
  ctx.setLineDash([]);
  ctx.lineWidth = 3.5;
  ctx.strokeStyle = 'rgba(0,0,0,0.45)';
  ctx.stroke();
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 1.75;
  ctx.strokeStyle = color;
  ctx.stroke();
  ctx.setLineDash([]);
  if (draft.tool === 'polygon') {
    // Corner markers; the first is larger because clicking it closes the polygon.
    draft.points.forEach((p, i) => {
      const s = toScreen(proj, p.x, p.y);
      ctx.beginPath();
      ctx.arc(s.x, s.y, i === 0 ? 5 : 3, 0, Math.PI * 2);
      ctx.fillStyle = i === 0 ? '#fff' : color;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = color;
      ctx.stroke();
    });
  }
}
