/** The slide report: one slide scored by one model, as one HTML document. */
import { colormapRgb, type ColormapName } from '../../shared/colormaps.js';
import { MPP_SOURCE_TEXT, mppText as pixelSizeText } from '../../shared/pixel-size.js';
import type { MppSource } from '../../shared/api.js';
import { classColor } from '../analysis/colormap.js';
import { annotationSectionHtml } from './annotation-section.js';
import { bytesText, dataUrl, esc, fixed, formatDate, imgTag, kvTable, notesSection, page, pct, rgbCss, swatch, table, type ReportMeta } from './layout.js';
import { modelSection } from './model-section.js';
import type { SlideReportData } from './slide-data.js';
import { barChart, colorBar } from './svg-charts.js';

/** The colour bar's samples of the heatmap's map: the same bytes the viewer paints. */
const colorStops = (name: ColormapName) => Array.from({ length: 17 }, (_, i) => colormapRgb(name, i / 16));

/** "0.499 µm/px, from the file" or "0.5 µm/px, set by the user". */
function mppText(mpp: { x: number; y: number } | null, source: MppSource | null): string | null {
  if (!mpp) return null;
  return `${pixelSizeText(mpp, 4)}${source ? `, ${MPP_SOURCE_TEXT[source]}` : ''}`;
}

/** The slide pixel size an analysis used, with its source while it is still the slide's. */
function analysisSlideMpp(used: number, s: { mpp: { x: number; y: number } | null; mppSource: MppSource | null }): string {
  const now = s.mpp ? (s.mpp.x + s.mpp.y) / 2 : null;
  const text = `${+used.toFixed(4)} µm/px`;
  if (now !== null && s.mppSource && Math.abs(now - used) <= 1e-9 * Math.max(1, now)) return `${text}, ${MPP_SOURCE_TEXT[s.mppSource]}`;
  return `${text}, the slide's pixel size when analysed`;
}

export function slideReportHtml(d: SlideReportData, meta: ReportMeta): string {
  const s = d.slide;
  const a = d.analysis;
  const labels = a.model.labels;
  const color = (c: number) => rgbCss(classColor(c));
  const counts = labels.map((_, c) => d.tiles.filter((t) => t.label === c).length);

  const summary = kvTable([
    ['Slide label (mean probability)', d.label.slideLabel === null ? 'none' : `${d.label.slideLabel} (${pct(d.label.confidence)})`],
    ['Tissue tiles classified', d.label.tissueTiles],
    ['Model', `${d.model.name} (${d.model.arch})`],
    ['Analysis', `#${a.id}, finished ${a.finishedAt ? formatDate(new Date(a.finishedAt)) : '–'}${d.analysed ? ', run for this report' : ''}`],
  ]);

  const slideTable = kvTable([
    ['Slide', s.name],
    ['File', s.path],
    ['File hash', s.contentHash],
    ['File size', bytesText(s.fileSize)],
    ['Dimensions', `${s.width} × ${s.height} px, ${s.levels} level${s.levels === 1 ? '' : 's'}`],
    ['Resolution (mpp)', mppText(s.mpp, s.mppSource)],
    ['Objective power', s.objectivePower === null ? null : `${s.objectivePower}×`],
    ['Vendor / format', `${s.vendor ?? 'unknown vendor'} (${s.format})`],
    ['Scanner', s.scanner],
    ['Read with', s.reader],
  ]);

  const heat = `<figure>${imgTag(dataUrl('image/jpeg', d.heatmap.jpeg), `heatmap of ${d.heatmap.className}`, 'slide')}
<div style="margin-top:4pt">${colorBar(colorStops(d.heatmap.colormap), { low: '0', high: '1', label: `Probability of ${d.heatmap.className}`, width: 260 })}</div>
<figcaption>Probability of <b>${esc(d.heatmap.className)}</b> per tile over the slide thumbnail; uncoloured areas had too little tissue to be classified.</figcaption></figure>`;
  const classMap = `<figure>${imgTag(dataUrl('image/jpeg', d.classMap), 'predicted class per tile', 'slide')}
<div class="legend">${labels.map((l, c) => `<span>${swatch(color(c))}${esc(l)}</span>`).join('')}</div>
<figcaption>Each tile in the colour of its most probable class.</figcaption></figure>`;

  const fractions = table(
    [
      { head: 'Class', cell: (c: number) => `${swatch(color(c))}${esc(labels[c])}`, html: true },
      { head: 'Tiles', cell: (c: number) => counts[c]!, num: true },
      { head: 'Fraction of tissue tiles', cell: (c: number) => pct(d.label.classFractions[labels[c]!] ?? 0), num: true },
      { head: 'Mean probability', cell: (c: number) => fixed(d.label.scores[labels[c]!] ?? 0), num: true },
    ],
    labels.map((_, c) => c),
    { keep: true },
  );
  const bars = barChart(
    labels.map((l, c) => ({ label: l, value: d.label.classFractions[l] ?? 0, color: color(c) })),
    { max: 1, format: (v) => `${(v * 100).toFixed(1)}%`, title: 'class fractions' },
  );

  const topTiles = d.topTiles.length
    ? d.topTiles
        .map(
          (g) =>
            `<div class="keep"><h3>${swatch(color(g.index))}${esc(g.label)}</h3>${
              g.tiles.length
                ? `<div class="tiles">${g.tiles
                    .map((t) => `<figure>${imgTag(dataUrl('image/jpeg', t.jpeg), `${g.label} tile at ${t.x}, ${t.y}`)}<figcaption>${pct(t.prob)} · ${t.x}, ${t.y}</figcaption></figure>`)
                    .join('')}</div>`
                : '<p class="muted">No tile was predicted as this class.</p>'
            }</div>`,
        )
        .join('')
    : '';

  const g = a.grid;
  const summ = a.summary;
  const analysisTable = kvTable([
    ['Analysis id', a.id],
    ['Tile resolution', `${+a.params.targetMpp.toFixed(4)} µm/px (slide ${g ? analysisSlideMpp(g.slideMpp, s) : '–'})`],
    ['Tile size', g ? `${g.inputSize} px model input, ${g.tileSize} px at level 0, read at level ${g.level}` : null],
    ['Grid', g ? `${g.cols} × ${g.rows} tiles (${g.tiles}), ${g.tissueTiles} with enough tissue` : null],
    ['Overlap / minimum tissue', `${pct(a.params.overlap, 0)} / ${pct(a.params.minTissue, 0)}`],
    ['Tissue detection', `${a.params.tissue.method}, mask at ${a.params.tissue.maskMpp} µm/px${a.params.tissue.rejectPen ? ', pen ink rejected' : ''}`],
    ['Inference time', summ ? `${summ.seconds.toFixed(1)} s (${summ.tilesPerSecond.toFixed(1)} tiles/s)` : null],
    ['Started / finished', `${a.startedAt ? formatDate(new Date(a.startedAt)) : '–'} / ${a.finishedAt ? formatDate(new Date(a.finishedAt)) : '–'}`],
    ['Report generated', `${formatDate(meta.generatedAt)} by Tessella ${meta.version}`],
  ]);

  const associated =
    d.associated === null
      ? ''
      : `<section class="major" id="associated-images"><h2>Associated images</h2>${
          d.associated.length
            ? d.associated.map((im) => `<figure>${imgTag(dataUrl('image/jpeg', im.jpeg), im.name, 'slide')}<figcaption>${esc(im.name)}</figcaption></figure>`).join('')
            : '<p class="muted">This slide has no associated images.</p>'
        }</section>`;

  const body = `
<section id="summary"><h2>Summary</h2>${summary}</section>
${notesSection(meta.notes)}
<section id="slide"><h2>Slide</h2>${slideTable}</section>
<section class="major" id="heatmap"><h2>Heatmap</h2><div class="row">${heat}${classMap}</div></section>
<section id="class-fractions"><h2>Class fractions</h2><div class="keep">${fractions}<figure>${bars}<figcaption>Fraction of tissue tiles whose most probable class is each label.</figcaption></figure></div></section>
${topTiles ? `<section class="major" id="top-tiles"><h2>Most confident tiles per class</h2><p class="muted">The tiles with the highest probability of each class among those predicted as it, with that probability and their level-0 position.</p>${topTiles}</section>` : ''}
<section class="major" id="model"><h2>Model</h2>${modelSection(d.model)}</section>
<section id="analysis"><h2>Analysis</h2>${analysisTable}</section>
${d.annotations ? annotationSectionHtml(d.annotations) : ''}
${associated}`;
  return page({ title: meta.title, subtitle: `${s.name} · ${d.model.name}`, generatedAt: meta.generatedAt, version: meta.version, body });
}
