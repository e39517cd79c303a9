/**
 * `tessella slide infer`, `tessella slide tissue` and `tessella explain`: whole-slide
 * classification with its exports, the tissue mask, and explanation maps, through the same
 * AnalysisService the app uses (results land in the library's database, so a second run of the
 * same slide, model and parameters reuses them, and an interrupted one resumes).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AnalysisParamsInput } from '../../../shared/contract/analysis.js';
import { TissueParams } from '../../../shared/contract/analysis.js';
import { analysisService } from '../../analysis/service.js';
import { ImageTypeMismatchError } from '../../analysis/image-type-check.js';
import { DomainError } from '../../errors.js';
import { CliError, type CliCommand, type ParsedOptions } from '../command.js';
import { MODEL_OPTION, resolveCliModel } from '../model-ref.js';
import { PRECISION_OPTION, precisionOf } from '../precision-option.js';
import { PROVIDER_OPTION, providerChoiceOf, providerOptionOf } from '../provider-option.js';
import { abortOnSigint } from '../interrupt.js';

function oneFile(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new CliError(`expected exactly one ${what}, got ${positionals.length}`, 2);
  return resolve(positionals[0]!);
}

function positive(options: ParsedOptions, name: string): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new CliError(`--${name} must be a positive number`, 2);
  return v;
}

function fraction(options: ParsedOptions, name: string, max: number): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0 && v <= max)) throw new CliError(`--${name} must be between 0 and ${max}`, 2);
  return v;
}

const slideMppOption = { type: 'number' as const, description: 'µm per pixel of the slide where the file has none (remembered for this slide)' };

const infer: CliCommand = {
  path: ['slide', 'infer'],
  summary: 'Classify a whole slide tile by tile; with --out write heatmap.png, tiles.csv, tiles.geojson and summary.json',
  positionals: ['FILE'],
  options: {
    model: MODEL_OPTION,
    mpp: { type: 'number', description: 'tile resolution in µm per pixel (default: the model’s training mpp, else 0.5)' },
    magnification: { type: 'number', description: 'tile resolution as objective magnification instead of --mpp' },
    'slide-mpp': slideMppOption,
    overlap: { type: 'number', description: 'fraction of a tile shared with its neighbour (0 to 0.75)', default: 0 },
    'min-tissue': { type: 'number', description: 'least tissue fraction of a tile for it to be classified (0 classifies every tile)', default: 0.25 },
    out: { type: 'string', description: 'folder for heatmap.png, tiles.csv, tiles.geojson and summary.json' },
    'heatmap-class': { type: 'string', description: 'class shown in heatmap.png (default: the slide label)' },
    'batch-size': { type: 'number', description: 'tiles per engine run', default: 8 },
    'allow-image-type-mismatch': { type: 'boolean', description: 'run a brightfield model on a fluorescence slide (or the reverse), which is refused otherwise' },
    precision: PRECISION_OPTION,
    provider: PROVIDER_OPTION,
  },
  async run({ positionals, options, io, app }) {
    const file = oneFile(positionals, 'slide FILE');
    const precision = precisionOf(options);
    // without --provider the analysis service takes the engine.provider setting's choice
    const choice = providerOptionOf(options) ? await providerChoiceOf(options, io) : undefined;
    const fellBack = choice?.pinned && !choice.pinned.providers.includes(choice.chosen);
    const model = await resolveCliModel(options.model as string | undefined, app);
    const mpp = positive(options, 'mpp');
    const magnification = positive(options, 'magnification');
    if (mpp !== undefined && magnification !== undefined) throw new CliError('give --mpp or --magnification, not both', 2);
    const slideMpp = positive(options, 'slide-mpp');
    const overlap = fraction(options, 'overlap', 0.75) ?? 0;
    const minTissue = fraction(options, 'min-tissue', 1) ?? 0.25;
    const batchSize = positive(options, 'batch-size') ?? 8;
    if (!Number.isInteger(batchSize) || batchSize > 256) throw new CliError('--batch-size must be an integer from 1 to 256', 2);

    const ctx = await app();
    const svc = analysisService(ctx);
    const slide = await ctx.slides.ensure(file);
    if (slideMpp !== undefined) svc.setSlideMpp(slide.id, slideMpp);
    else if (!svc.slideMpp(ctx.slides.require(slide.id))) {
      throw new CliError(`${slide.name} has no mpp (µm per pixel); give it with --slide-mpp X (it is remembered for this slide)`, 2);
    }
    const allowMismatch = options['allow-image-type-mismatch'] === true;
    const params: AnalysisParamsInput = {
      overlap,
      minTissue,
      tissue: TissueParams.parse({}),
      ...(precision === 'int8' ? { precision } : {}),
      ...(mpp !== undefined ? { mpp } : {}),
      ...(magnification !== undefined ? { magnification } : {}),
      ...(allowMismatch ? { allowImageTypeMismatch: true } : {}),
    };

    const interrupt = abortOnSigint();
    let bar: ReturnType<typeof io.progress> | undefined;
    const started = performance.now();
    let result;
    try {
      result = await svc.analyze(slide.id, model, params, {
        signal: interrupt.signal,
        batchSize,
        ...(choice ? { providers: [choice.chosen], ...(fellBack ? { providerNote: choice.reason } : {}) } : {}),
        onProgress: (p) => {
          if (p.total === null) return;
          bar ??= io.progress('tiles', p.total);
          bar.tick(p.done);
        },
      });
    } catch (e) {
      if (e instanceof ImageTypeMismatchError) throw new DomainError('conflict', `${e.reason}; refused (pass --allow-image-type-mismatch to run it anyway)`, e.code);
      throw e;
    } finally {
      bar?.end();
      interrupt.release();
    }
    const a = result.analysis;
    if (result.cancelled) {
      throw new CliError(`stopped with ${a.done} of ${a.total ?? '?'} tiles classified; they are kept: run the same command again to resume`, 130);
    }
    const seconds = (performance.now() - started) / 1000;
    const label = svc.slideLabel(a.id, { method: 'mean', topK: 0.1, threshold: 0 });
    const tilesPerSecond = result.reused ? (a.summary?.tilesPerSecond ?? 0) : result.tilesPerSecond;
    const summary = {
      tiles: a.grid?.tiles ?? 0,
      tissueTiles: a.grid?.tissueTiles ?? 0,
      classFractions: label.classFractions,
      slideLabel: label.slideLabel,
      confidence: label.confidence,
      seconds: +seconds.toFixed(3),
      tilesPerSecond: +tilesPerSecond.toFixed(3),
      analysisId: a.id,
      reused: result.reused,
      // tiles classified from the slide's stored backbone embeddings vs embedded by the backbone in this run
      embeddings: { reused: result.tilesReused ?? 0, computed: result.tilesEmbedded ?? 0 },
      targetMpp: a.params.targetMpp,
      precision: a.params.precision,
      // null: every tile came from stored embeddings of a run that predates recorded providers
      provider: a.summary?.provider ?? null,
      ...(a.summary?.providerNote ? { providerNote: a.summary.providerNote } : {}),
      slideMpp: a.grid?.slideMpp ?? null,
      tileSize: a.grid?.tileSize ?? null,
    };
    if (typeof options.out === 'string') {
      const files = await svc.exportTo(a.id, options.out, typeof options['heatmap-class'] === 'string' ? options['heatmap-class'] : undefined, {
        run: { seconds: summary.seconds, tilesPerSecond: summary.tilesPerSecond, reused: result.reused },
      });
      return { ...summary, out: files.dir };
    }
    return summary;
  },
  human: (r) =>
    [
      `slide label  ${r.slideLabel ?? '(none)'} (${(r.confidence * 100).toFixed(1)}%)`,
      `tiles        ${r.tissueTiles} with tissue of ${r.tiles} at ${r.targetMpp} µm/px (${r.tileSize} px at level 0)`,
      `classes      ${Object.entries(r.classFractions as Record<string, number>)
        .map(([l, f]) => `${l} ${(f * 100).toFixed(1)}%`)
        .join(', ')}`,
      r.reused ? `reused       analysis ${r.analysisId} (already complete)` : `time         ${r.seconds.toFixed(1)} s, ${r.tilesPerSecond.toFixed(1)} tiles/s`,
      ...(r.out ? [`wrote        ${r.out}/{heatmap.png,tiles.csv,tiles.geojson,summary.json}`] : []),
    ].join('\n'),
};

const tissue: CliCommand = {
  path: ['slide', 'tissue'],
  summary: 'Detect tissue at low resolution; with --out write the mask overlay as PNG',
  positionals: ['FILE'],
  options: {
    out: { type: 'string', description: 'overlay PNG (tissue green, rejected pen ink magenta)' },
    'slide-mpp': slideMppOption,
    method: { type: 'string', description: 'both | saturation | grey', default: 'both' },
    'no-pen': { type: 'boolean', description: 'keep pen ink as tissue' },
  },
  async run({ positionals, options, app }) {
    const file = oneFile(positionals, 'slide FILE');
    const ctx = await app();
    const svc = analysisService(ctx);
    const slide = await ctx.slides.ensure(file);
    const slideMpp = positive(options, 'slide-mpp');
    if (slideMpp !== undefined) svc.setSlideMpp(slide.id, slideMpp);
    const parsed = TissueParams.safeParse({ method: options.method, rejectPen: !options['no-pen'] });
    if (!parsed.success) throw new CliError(`--method must be both, saturation or grey`, 2);
    const { png, ...t } = await svc.tissue(slide.id, parsed.data);
    let out: string | undefined;
    if (typeof options.out === 'string') {
      out = resolve(options.out);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, Buffer.from(png, 'base64'));
    }
    return { ...t, ...(out ? { out } : {}) };
  },
  human: (r) =>
    `tissue ${(r.tissueFraction * 100).toFixed(1)}% of the slide, pen ${(r.penFraction * 100).toFixed(1)}%; thresholds saturation ${r.thresholds.saturation.toFixed(3)}, grey ${r.thresholds.grey.toFixed(3)}${r.out ? `\nwrote ${r.out}` : ''}`,
};

const explain: CliCommand = {
  path: ['explain'],
  summary: 'Explanation map of one image: attention rollout (ViT) or Grad-CAM (ResNet), drawn over the image as PNG',
  positionals: ['IMAGE'],
  options: {
    model: MODEL_OPTION,
    out: { type: 'string', description: 'output PNG' },
    target: { type: 'string', description: 'class to explain (default: the predicted one)' },
  },
  async run({ positionals, options, app }) {
    const image = oneFile(positionals, 'IMAGE');
    if (typeof options.out !== 'string' || !options.out) throw new CliError('--out MAP.png is required', 2);
    const model = await resolveCliModel(options.model as string | undefined, app);
    const ctx = await app();
    let r;
    try {
      r = await analysisService(ctx).explain({ model, image, ...(typeof options.target === 'string' ? { target: options.target } : {}) });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const out = resolve(options.out);
    await mkdir(dirname(out), { recursive: true });
    const { png, ...rest } = r;
    await writeFile(out, Buffer.from(png, 'base64'));
    return { ...rest, out };
  },
  human: (r) =>
    `${r.label} (${(r.probabilities[r.label] * 100).toFixed(1)}%); ${r.method} for ${r.target} over ${r.maps[0].rows}x${r.maps[0].cols} cells\nwrote ${r.out}`,
};

export const inferCommands: CliCommand[] = [infer, tissue, explain];
