/** The cohort report: per-slide class fractions of many slides scored by one model. */
import { classColor } from '../analysis/colormap.js';
import type { CohortReportData, CohortSlide } from './cohort-data.js';
import { esc, kvTable, notesSection, page, pct, rgbCss, swatch, table, type Column, type ReportMeta } from './layout.js';
import { modelSection } from './model-section.js';
import { barChart, stackedBars } from './svg-charts.js';

/** More slides than this get the table only: a chart of hundreds of bars says nothing. */
const CHART_SLIDES = 60;

export function cohortReportHtml(d: CohortReportData, meta: ReportMeta): string {
  const color = (c: number) => rgbCss(classColor(c));
  const ok = d.slides.filter((s) => s.classFractions);
  const failed = d.slides.length - ok.length;
  const labelCounts = d.labels.map((l) => ok.filter((s) => s.slideLabel === l).length);
  const meanFraction = d.labels.map((l) => (ok.length ? ok.reduce((a, s) => a + (s.classFractions![l] ?? 0), 0) / ok.length : 0));

  const summary = kvTable([
    ['Slides', `${d.slides.length}${failed ? ` (${failed} could not be analysed)` : ''}`],
    ['Model', `${d.model.name} (${d.model.arch})`],
    ['Classes', d.labels.join(', ')],
    ['Analyses', `${d.slides.length - failed - d.analysed} stored, ${d.analysed} run for this report`],
    ['Tissue tiles', ok.reduce((a, s) => a + s.tissueTiles, 0)],
  ]);
  const byLabel = table(
    [
      { head: 'Class', cell: (c: number) => `${swatch(color(c))}${esc(d.labels[c])}`, html: true },
      { head: 'Slides labelled', cell: (c) => labelCounts[c]!, num: true },
      { head: 'Mean fraction over slides', cell: (c) => pct(meanFraction[c]), num: true },
    ],
    d.labels.map((_, c) => c),
    { keep: true },
  );
  const meanBars = barChart(
    d.labels.map((l, c) => ({ label: l, value: meanFraction[c]!, color: color(c) })),
    { max: 1, format: (v) => `${(v * 100).toFixed(1)}%`, title: 'mean class fractions' },
  );

  const columns: Column<CohortSlide>[] = [
    { head: 'Slide', cell: (s) => s.slide.name },
    { head: 'Tissue tiles', cell: (s) => (s.error ? null : s.tissueTiles), num: true },
    { head: 'Slide label', cell: (s) => s.slideLabel ?? (s.error ? 'failed' : 'none') },
    { head: 'Confidence', cell: (s) => pct(s.confidence), num: true },
    ...d.labels.map((l): Column<CohortSlide> => ({ head: l, cell: (s) => (s.classFractions ? pct(s.classFractions[l] ?? 0) : null), num: true })),
  ];
  const perSlide = table(columns, d.slides);
  const errors = d.slides.filter((s) => s.error);
  const chart =
    ok.length && ok.length <= CHART_SLIDES
      ? `<figure>${stackedBars(
          ok.map((s) => ({ label: s.slide.name, parts: d.labels.map((l) => s.classFractions![l] ?? 0) })),
          d.labels.map((_, c) => color(c)),
          { title: 'class fractions per slide' },
        )}<div class="legend">${d.labels.map((l, c) => `<span>${swatch(color(c))}${esc(l)}</span>`).join('')}</div><figcaption>Fraction of each slide's tissue tiles per predicted class.</figcaption></figure>`
      : '';

  const body = `
<section id="summary"><h2>Summary</h2>${summary}<div class="keep">${byLabel}<figure>${meanBars}<figcaption>Mean over slides of the fraction of tissue tiles per class.</figcaption></figure></div></section>
${notesSection(meta.notes)}
<section class="major" id="slides"><h2>Class fractions per slide</h2>
<p class="muted">Fraction of each slide's tissue tiles whose most probable class is each label; the slide label is the class of highest mean probability.</p>
${perSlide}
${chart}
${errors.length ? `<h3>Slides that could not be analysed</h3>${table([{ head: 'Slide', cell: (s: CohortSlide) => s.slide.name }, { head: 'Reason', cell: (s) => s.error }], errors)}` : ''}
</section>
<section id="slide-files"><h2>Slides</h2>${table(
    [
      { head: 'Slide', cell: (s: CohortSlide) => s.slide.name },
      { head: 'Dimensions', cell: (s) => `${s.slide.width} × ${s.slide.height}` },
      // A pixel size typed in is marked as such: numbers measured with it rest on the user's word.
      { head: 'mpp', cell: (s) => (s.slide.mpp ? `${+((s.slide.mpp.x + s.slide.mpp.y) / 2).toFixed(4)}${s.slide.mppSource === 'user' ? ', set by the user' : ''}` : null), num: true },
      { head: 'Vendor', cell: (s) => s.slide.vendor ?? s.slide.format },
      { head: 'File hash', cell: (s) => s.slide.contentHash.slice(0, 16) },
    ],
    d.slides,
  )}</section>
<section id="model" class="keep"><h2>Model</h2>${modelSection(d.model)}</section>`;
  return page({ title: meta.title, subtitle: `${d.slides.length} slides · ${d.model.name}`, generatedAt: meta.generatedAt, version: meta.version, body });
}
