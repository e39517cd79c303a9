/** `tessella slide ...`: facts, regions and DeepZoom pyramids of one slide file. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import sharp from 'sharp';
import { CliError, type CliCommand } from '../command.js';
import { writeDeepZoom } from '../../slides/dzi-writer.js';
import { PLAIN_IMAGES_WITHOUT_ASKING } from '../../slides/library.js';
import { mppWithSource } from '../../../shared/pixel-size.js';
import type { AppContext } from '../../app-context.js';
import type { StoredSlide } from '../../store/slides-repo.js';
import { abortOnSigint } from '../interrupt.js';

function oneFile(positionals: string[], what = 'FILE'): string {
  if (positionals.length !== 1) throw new CliError(`expected exactly one ${what}, got ${positionals.length}`, 2);
  return resolve(positionals[0]);
}

const info: CliCommand = {
  path: ['slide', 'info'],
  summary: 'Dimensions, levels, mpp, magnification, vendor, image type (brightfield or fluorescence), channels and all properties of a slide',
  positionals: ['FILE'],
  async run({ positionals, app }) {
    const ctx = await app();
    const slide = await ctx.slides.ensure(oneFile(positionals));
    return {
      id: slide.id,
      path: slide.path,
      format: slide.format,
      vendor: slide.vendor,
      reader: slide.reader,
      imageType: slide.imageType,
      channels: slide.channels,
      width: slide.width,
      height: slide.height,
      levelCount: slide.levels.length,
      levels: slide.levels,
      mpp: slide.mpp,
      mppSource: slide.mppSource,
      objectivePower: slide.objectivePower,
      associatedImages: slide.associatedImages,
      properties: slide.properties,
    };
  },
  human(r) {
    const mpp = r.mpp ? `${r.mpp.x.toFixed(4)} x ${r.mpp.y.toFixed(4)} µm/px${r.mppSource === 'user' ? ', set by the user' : ''}` : 'unknown';
    const levels = r.levels.map((l: { width: number; height: number; downsample: number }, i: number) => `  ${i}: ${l.width} x ${l.height} (downsample ${+l.downsample.toFixed(3)})`);
    return [
      `${r.path}`,
      `format     ${r.format}${r.vendor ? ` (${r.vendor})` : ''}, read by ${r.reader}`,
      `type       ${r.imageType ?? 'unknown'}${r.channels.length ? `, channels ${r.channels.map((c: { name: string; color: string }) => `${c.name} (${c.color})`).join(', ')}` : ''}`,
      `size       ${r.width} x ${r.height} px`,
      `mpp        ${mpp}`,
      `objective  ${r.objectivePower ?? 'unknown'}${r.objectivePower ? 'x' : ''}`,
      `associated ${r.associatedImages.join(', ') || 'none'}`,
      `levels`,
      ...levels,
      `properties ${Object.keys(r.properties).length} (use --json to see them all)`,
    ].join('\n');
  },
};

const region: CliCommand = {
  path: ['slide', 'region'],
  summary: 'Write one region of a slide as PNG (x, y in level-0 pixels, as OpenSlide)',
  positionals: ['FILE'],
  options: {
    level: { type: 'number', description: 'pyramid level', default: 0 },
    x: { type: 'number', description: 'left, level-0 pixels', default: 0 },
    y: { type: 'number', description: 'top, level-0 pixels', default: 0 },
    width: { type: 'number', description: 'width at the level, pixels' },
    height: { type: 'number', description: 'height at the level, pixels' },
    out: { type: 'string', description: 'output PNG file' },
  },
  async run({ positionals, options, app }) {
    const ctx = await app();
    const { level, x, y, width, height, out } = options as { level: number; x: number; y: number; width?: number; height?: number; out?: string };
    if (!out) throw new CliError('--out F.png is required', 2);
    if (!width || !height || width < 1 || height < 1) throw new CliError('--width and --height must be positive', 2);
    if (width * height > 100_000_000) throw new CliError(`region of ${width} x ${height} is too large (at most 100 megapixels)`, 2);
    for (const [k, v] of Object.entries({ level, x, y, width, height })) if (!Number.isInteger(v)) throw new CliError(`--${k} must be an integer`, 2);
    const slide = await ctx.slides.ensure(oneFile(positionals));
    if (level < 0 || level >= slide.levels.length) throw new CliError(`--level must be 0..${slide.levels.length - 1} for this slide`, 2);
    const reader = await ctx.slides.reader(slide.id);
    const img = await reader.readRegion(level, x, y, width, height);
    const file = resolve(out);
    await mkdir(dirname(file), { recursive: true });
    await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).png().toFile(file);
    return { out: file, level, x, y, width: img.width, height: img.height };
  },
  human: (r) => `wrote ${r.out} (${r.width} x ${r.height})`,
};

const dzi: CliCommand = {
  path: ['slide', 'dzi'],
  summary: 'Write a DeepZoom pyramid (.dzi + _files/) for a slide',
  positionals: ['FILE'],
  options: {
    out: { type: 'string', description: 'output folder' },
    quality: { type: 'number', description: 'JPEG quality', default: 85 },
    'tile-size': { type: 'number', description: 'tile size without overlap', default: 254 },
    overlap: { type: 'number', description: 'tile overlap', default: 1 },
  },
  async run({ positionals, options, app, io }) {
    const ctx = await app();
    if (!options.out) throw new CliError('--out DIR is required', 2);
    const slide = await ctx.slides.ensure(oneFile(positionals));
    const reader = await ctx.slides.reader(slide.id);
    const outDir = resolve(String(options.out));
    const name = basename(slide.path, extname(slide.path));
    let bar: ReturnType<typeof io.progress> | undefined;
    const interrupt = abortOnSigint();
    try {
      const result = await writeDeepZoom(
        reader,
        outDir,
        name,
        { quality: options.quality as number, tileSize: options['tile-size'] as number, overlap: options.overlap as number, signal: interrupt.signal },
        ({ done, total }) => {
          bar ??= io.progress('tiles', total);
          bar.tick(done);
        },
      );
      return { out: outDir, dzi: resolve(outDir, `${name}.dzi`), ...result };
    } finally {
      bar?.end();
      interrupt.release();
    }
  },
  human: (r) => `wrote ${r.dzi}`,
};

/** The reader's message names the file already; a bare one ("no such file or folder") gets the path. */
function addErrorLine(e: { path: string; message: string }): string {
  return e.message.includes(basename(e.path)) ? e.message : `${e.path}: ${e.message}`;
}

const add: CliCommand = {
  path: ['slide', 'add'],
  summary: 'Add slide files or folders to the library',
  positionals: ['PATH...'],
  options: {
    images: { type: 'boolean', description: `also add the plain images (JPEG, PNG, WebP) of a folder holding more than ${PLAIN_IMAGES_WITHOUT_ASKING}; without it they are held back (a patch set is a dataset: tessella dataset import)` },
  },
  async run({ positionals, options, io, app }) {
    if (positionals.length === 0) throw new CliError('give at least one file or folder', 2);
    const ctx = await app();
    const r = await ctx.slides.add(positionals, { plainImages: options.images ? 'add' : 'ask' });
    for (const h of r.heldImages) io.info(`held back ${h.count} plain images in ${h.folder} (a patch set? \`tessella dataset import\` it, or add them as slides with --images)`);
    if (r.added.length === 0 && r.existing.length === 0 && r.errors.length) throw new CliError(addErrorLine(r.errors[0]));
    return r;
  },
  human: (r) =>
    [
      ...r.added.map((s: { name: string }) => `added    ${s.name}`),
      ...r.existing.map((s: { name: string }) => `existing ${s.name}`),
      ...r.errors.map((e: { path: string; message: string }) => `error    ${addErrorLine(e)}`),
      ...r.skipped.map((s: { path: string; reason: string }) => `skipped  ${s.path}: ${s.reason}`),
    ].join('\n'),
};

const list: CliCommand = {
  path: ['slide', 'list'],
  summary: 'List the slides in the library',
  async run({ app }) {
    return (await app()).slides.list();
  },
  human: (r) =>
    r.length === 0
      ? 'the library is empty; add slides with `tessella slide add PATH`'
      : r.map((s: { id: number; name: string; width: number; height: number; format: string }) => `${String(s.id).padStart(4)}  ${s.name}  ${s.width}x${s.height}  ${s.format}`).join('\n'),
};

/**
 * A library id (digits that name no file here) or a path; a path not yet in the library is added,
 * as every command that takes a slide FILE does.
 */
async function slideByRef(ctx: AppContext, ref: string): Promise<StoredSlide> {
  if (/^\d+$/.test(ref) && !existsSync(resolve(ref))) return ctx.slides.require(Number(ref));
  return ctx.slides.ensure(resolve(ref));
}

const mpp: CliCommand = {
  path: ['slide', 'mpp'],
  summary: "Set a slide's pixel size (µm per pixel) by hand, marked as the user's; --clear goes back to the file's",
  positionals: ['SLIDE', 'VALUE'],
  options: {
    clear: { type: 'boolean', description: "forget the typed-in pixel size (the file's, if any, applies again)" },
  },
  async run({ positionals, options, app }) {
    const clear = options.clear === true;
    const want = clear ? 1 : 2;
    if (positionals.length !== want) throw new CliError(clear ? 'with --clear give only the SLIDE (a path or library id)' : 'give the SLIDE (a path or library id) and the VALUE in µm per pixel, or --clear', 2);
    let value: number | null = null;
    if (!clear) {
      const text = positionals[1]!;
      value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value) || value < 0.01 || value > 100) throw new CliError(`VALUE must be a pixel size from 0.01 to 100 µm per pixel, got "${text}"`, 2);
    }
    const ctx = await app();
    const slide = ctx.slides.setMpp((await slideByRef(ctx, positionals[0]!)).id, value);
    return { id: slide.id, path: slide.path, name: slide.name, mpp: slide.mpp, mppSource: slide.mppSource };
  },
  human: (r) => `${r.name}: ${mppWithSource(r.mpp, r.mppSource, 4) ?? 'no pixel size (the file records none)'}`,
};

export const slideCommands: CliCommand[] = [info, region, dzi, add, list, mpp];
