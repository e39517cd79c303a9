/** `tessella annotations ...` (QuPath GeoJSON in and out) and `tessella patches extract`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError, type CliCommand } from '../command.js';
import { annotationService } from '../../annotations/service.js';
import { extractedDatasetDir, extractPatches, type ExtractResult } from '../../annotations/extract-patches.js';
import { importDataset } from '../../datasets/import.js';
import { DEFAULT_MIN_TISSUE } from '../../annotations/tissue.js';
import { abortOnSigint } from '../interrupt.js';

function positionals(given: string[], names: string[]): string[] {
  if (given.length !== names.length) throw new CliError(`expected ${names.join(' and ')}, got ${given.length} argument${given.length === 1 ? '' : 's'}`, 2);
  return given;
}

const importCmd: CliCommand = {
  path: ['annotations', 'import'],
  summary: 'Import QuPath GeoJSON annotations into a slide (all or nothing; same ids are replaced)',
  positionals: ['SLIDE', 'FILE.geojson'],
  async run({ positionals: p, app }) {
    const [slidePath, file] = positionals(p, ['SLIDE', 'FILE.geojson']);
    const path = resolve(file);
    const ctx = await app();
    const slide = await ctx.slides.ensure(slidePath);
    // The same path as the contract's: limits checked, parsed in a worker thread.
    return { file: path, ...(await annotationService(ctx).importGeoJsonOffThread(slide.id, { path })) };
  },
  human: (r) =>
    `imported ${r.imported} object${r.imported === 1 ? '' : 's'} (${r.added} new, ${r.replaced} replaced)` +
    (r.classesAdded.length ? `; new classes: ${r.classesAdded.join(', ')}` : ''),
};

const exportCmd: CliCommand = {
  path: ['annotations', 'export'],
  summary: "Write a slide's annotations as QuPath GeoJSON (stdout without --out)",
  positionals: ['SLIDE'],
  options: { out: { type: 'string', description: 'output .geojson file' } },
  async run({ positionals: p, options, app, io }) {
    const [slidePath] = positionals(p, ['SLIDE']);
    const ctx = await app();
    const slide = await ctx.slides.ensure(slidePath);
    const { geojson, count } = annotationService(ctx).exportGeoJson(slide.id);
    if (!options.out) {
      // The GeoJSON is the result; as-is it is already the one document --json asks for.
      process.stdout.write(geojson);
      return undefined;
    }
    const out = resolve(String(options.out));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, geojson);
    if (!io.json) io.info(`wrote ${count} object${count === 1 ? '' : 's'} to ${out}`);
    return io.json ? { slideId: slide.id, out, count } : undefined;
  },
};

const listCmd: CliCommand = {
  path: ['annotations', 'list'],
  summary: "List a slide's annotations (id, type, class, name, bounds)",
  positionals: ['SLIDE'],
  async run({ positionals: p, app }) {
    const [slidePath] = positionals(p, ['SLIDE']);
    const ctx = await app();
    const slide = await ctx.slides.ensure(slidePath);
    return annotationService(ctx).list(slide.id);
  },
  human: (rows) =>
    rows.length === 0
      ? 'no annotations on this slide'
      : rows
          .map((a: { id: string; objectType: string; geometry: { type: string }; className: string | null; name: string | null; bbox: { minX: number; minY: number; maxX: number; maxY: number } }) =>
            [a.id, a.objectType, a.geometry.type, a.className ?? '-', a.name ?? '', `[${[a.bbox.minX, a.bbox.minY, a.bbox.maxX, a.bbox.maxY].map((v) => Math.round(v)).join(' ')}]`].join('  '),
          )
          .join('\n'),
};

const extractCmd: CliCommand = {
  path: ['patches', 'extract'],
  summary: 'Cut labelled PNG patches from the annotated regions of slides',
  options: {
    slide: { type: 'string', multiple: true, description: 'slide file (repeat for several)' },
    size: { type: 'number', description: 'patch side, pixels', default: 224 },
    mpp: { type: 'number', description: 'resolution of the patches, µm per pixel', default: 0.5 },
    stride: { type: 'number', description: 'grid step, pixels at --mpp (default: --size, no overlap)' },
    'min-tissue': { type: 'number', description: 'fraction of tissue pixels a patch needs', default: DEFAULT_MIN_TISSUE },
    class: { type: 'string', multiple: true, description: 'only regions of this class (repeat for several)' },
    limit: { type: 'number', description: 'at most this many patches' },
    out: { type: 'string', description: 'output folder; patches go to OUT/<class>/<slide>_<x>_<y>.png' },
    dataset: { type: 'string', description: 'also import the patches as this dataset (new, or an earlier extraction of that name), ready to train on' },
  },
  async run({ options, app, io, positionals: extra }) {
    const slides = [...((options.slide as string[] | undefined) ?? []), ...extra];
    if (slides.length === 0) throw new CliError('give at least one --slide FILE', 2);
    const datasetName = options.dataset as string | undefined;
    if (!options.out && !datasetName) throw new CliError('give --out DIR, --dataset NAME, or both', 2);
    const ctx = await app();
    // Without --out, a dataset's patches live in the data home beside its other files.
    const outDir = options.out ? String(options.out) : extractedDatasetDir(ctx, datasetName!);
    const ids: number[] = [];
    for (const s of slides) ids.push((await ctx.slides.ensure(s)).id);
    let bar: ReturnType<typeof io.progress> | undefined;
    const interrupt = abortOnSigint();
    try {
      const r = await extractPatches(ctx, {
        slideIds: ids,
        mpp: options.mpp as number,
        size: options.size as number,
        stride: options.stride as number | undefined,
        minTissue: options['min-tissue'] as number,
        classes: options.class as string[] | undefined,
        limit: options.limit as number | undefined,
        outDir,
        signal: interrupt.signal,
        onProgress: ({ done, total }) => {
          bar ??= io.progress('patches', total);
          bar.tick(done);
        },
      });
      if (!datasetName) return r;
      // The extraction is an ImageFolder tree (one folder per class): import it like any other.
      const dataset = await importDataset(ctx.db, { path: r.outDir, name: datasetName, mpp: r.mpp });
      return { ...r, dataset };
    } finally {
      bar?.end();
      interrupt.release();
    }
  },
  human: (r: ExtractResult & { dataset?: { name: string; images: number } }) => {
    const byLabel = new Map<string, number>();
    for (const p of r.patches) byLabel.set(p.label, (byLabel.get(p.label) ?? 0) + 1);
    return [
      `wrote ${r.patches.length} patches of ${r.size} px at ${r.mpp} µm/px to ${r.outDir}`,
      ...[...byLabel].map(([l, n]) => `  ${l}: ${n}`),
      ...r.slides.map((s) => `  ${s.slide}: ${s.regions} regions, ${s.candidates} grid positions, ${s.rejectedGlass} rejected as glass`),
      ...(r.skippedUnclassified ? [`  ${r.skippedUnclassified} unclassified regions skipped`] : []),
      ...(r.dataset ? [`dataset "${r.dataset.name}" now holds ${r.dataset.images} images`] : []),
    ].join('\n');
  },
};

export const annotationCommands: CliCommand[] = [importCmd, exportCmd, listCmd, extractCmd];
