/** `tessella dataset ...`: import labelled patch folders or CSVs and inspect the datasets. */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { CliError, type CliCommand } from '../command.js';
import type { AppContext } from '../../app-context.js';
import { mapDataset } from '../../datasets/embedding-map.js';
import { importDataset, type ImportProgress } from '../../datasets/import.js';
import { DatasetsRepo } from '../../store/datasets-repo.js';
import { abortOnSigint } from '../interrupt.js';
import { PROVIDER_OPTION, providerChoiceOf } from '../provider-option.js';

function findDataset(ctx: AppContext, ref: string) {
  const repo = new DatasetsRepo(ctx.db);
  const d = repo.byName(ref) ?? (/^\d+$/.test(ref) ? repo.get(Number(ref)) : null);
  if (!d) throw new CliError(`no dataset named "${ref}"; see \`tessella dataset list\``);
  return repo.detail(d.id)!;
}

const PHASE_LABEL: Record<ImportProgress['phase'], string> = {
  scan: 'scanning',
  read: 'reading',
  duplicates: 'duplicates',
  split: 'splitting',
  save: 'saving',
};

/**
 * What `dataset import SOURCE [--csv FILE]` reads: a folder; a CSV file given as SOURCE (its rows'
 * paths relative to its own folder); or a folder with --csv, the CSV found as given from the
 * current folder or else inside the folder.
 */
function importSource(source: string, csvOption: string | undefined): { dir: string; csv: string | null } {
  const given = resolve(source);
  if (!existsSync(given)) throw new CliError(`${source}: no such folder or CSV file`);
  if (!statSync(given).isDirectory()) {
    if (csvOption !== undefined) throw new CliError(`${source} is a file: give the image folder with --csv, or the CSV alone`, 2);
    return { dir: dirname(given), csv: given };
  }
  if (csvOption === undefined) return { dir: given, csv: null };
  const candidates = isAbsolute(csvOption) ? [csvOption] : [resolve(csvOption), resolve(given, csvOption)];
  const csv = candidates.find((c) => existsSync(c));
  if (!csv) throw new CliError(`${csvOption}: no such CSV file (looked in ${isAbsolute(csvOption) ? 'that path' : `the current folder and in ${given}`})`);
  if (statSync(csv).isDirectory()) throw new CliError(`${csvOption} is a folder; --csv takes the CSV file`, 2);
  return { dir: given, csv };
}

const importCmd: CliCommand = {
  path: ['dataset', 'import'],
  summary: 'Import a class-per-folder image tree, or a CSV of path,label[,split][,group], as a dataset; again to pick up changes',
  positionals: ['DIR|CSV'],
  options: {
    name: { type: 'string', description: 'dataset name (default: the folder or CSV file name)' },
    csv: { type: 'string', description: 'CSV of path,label[,split][,group] with paths relative to DIR (the CSV is looked for in the current folder, then in DIR)' },
    seed: { type: 'number', description: 'seed of the train/val/test split (default 0, or the earlier one)' },
    train: { type: 'number', description: 'share of images for training (default 0.7)' },
    val: { type: 'number', description: 'share for validation (default 0.15)' },
    test: { type: 'number', description: 'share for testing (default 0.15)' },
    mpp: { type: 'number', description: 'microns per pixel of images that do not state it' },
    'allow-outside': { type: 'boolean', description: 'also take CSV rows whose image lies outside DIR (absolute paths, ../)' },
  },
  async run({ positionals, options, io, app }) {
    if (positionals.length !== 1) throw new CliError(`expected exactly one DIR or CSV file, got ${positionals.length}`, 2);
    const o = options as { name?: string; csv?: string; seed?: number; train?: number; val?: number; test?: number; mpp?: number; 'allow-outside'?: boolean };
    const { dir, csv } = importSource(positionals[0], o.csv);
    if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new CliError('--seed must be an integer', 2);
    const shares = [o.train, o.val, o.test];
    if (shares.some((s) => s !== undefined && (s < 0 || s > 1))) throw new CliError('--train, --val and --test must be between 0 and 1', 2);
    let splits;
    if (shares.some((s) => s !== undefined)) {
      // shares not given make up the rest, split evenly between them
      const given = shares.reduce<number>((a, s) => a + (s ?? 0), 0);
      const missing = shares.filter((s) => s === undefined).length;
      const fill = missing ? Math.max(0, 1 - given) / missing : 0;
      const [train, val, test] = shares.map((s) => s ?? fill);
      if (train + val + test <= 0) throw new CliError('split shares must not all be zero', 2);
      splits = { train, val, test };
    }
    if (o.mpp !== undefined && !(o.mpp > 0)) throw new CliError('--mpp must be positive', 2);
    const ctx = await app();
    let bar: ReturnType<typeof io.progress> | undefined;
    let phase = '';
    const interrupt = abortOnSigint();
    try {
      return await importDataset(
        ctx.db,
        {
          path: csv ?? dir,
          root: csv ? dir : undefined,
          csv: !!csv,
          allowOutside: !!o['allow-outside'],
          name: o.name ?? (csv ? basename(csv, extname(csv)) : basename(dir)),
          seed: o.seed,
          splits,
          mpp: o.mpp,
        },
        {
          signal: interrupt.signal,
          onProgress: (p) => {
            if (p.phase !== phase) {
              bar?.end();
              bar = p.total > 0 ? io.progress(PHASE_LABEL[p.phase], p.total) : undefined;
              phase = p.phase;
            }
            bar?.tick(p.done);
          },
        },
      );
    } catch (e) {
      if (interrupt.signal.aborted) throw new CliError('import cancelled; the dataset was left as it was', 130);
      throw e;
    } finally {
      bar?.end();
      interrupt.release();
    }
  },
  human(r) {
    const classes = Object.entries(r.classes as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ');
    return [
      `dataset ${r.name} (id ${r.id}): ${r.images} images (${r.added} added, ${r.changed} changed, ${r.removed} removed)`,
      `classes    ${classes}`,
      `splits     train ${r.splits.train}, val ${r.splits.val}, test ${r.splits.test}`,
      `duplicates ${r.duplicates.exact} exact, ${r.duplicates.near} near, counting flips and rotations (kept in one split${r.splitChanges ? `; ${r.splitChanges} moved to keep them together` : ''})`,
      ...(r.duplicates.conflicts ? [`conflicts  ${r.duplicates.conflicts} duplicate group${r.duplicates.conflicts === 1 ? ' is' : 's are'} filed under more than one class (listed below)`] : []),
      ...(r.emptyClasses.length ? [`empty      class folder${r.emptyClasses.length === 1 ? '' : 's'} with no image, no class made: ${r.emptyClasses.join(', ')}`] : []),
      ...(r.errors.length ? [`problems   ${r.errors.length}:`, ...r.errors.map((e: { path: string; reason: string }) => `  ${e.path}: ${e.reason}`)] : []),
      ...(r.outside.count
        ? [
            `outside    ${r.outside.count} row${r.outside.count === 1 ? '' : 's'} name an image outside the dataset's folder; left out (--allow-outside takes them):`,
            ...r.outside.first.map((p: string) => `  ${p}`),
            ...(r.outside.count > r.outside.first.length ? [`  ... and ${r.outside.count - r.outside.first.length} more`] : []),
          ]
        : []),
    ].join('\n');
  },
};

const list: CliCommand = {
  path: ['dataset', 'list'],
  summary: 'List datasets',
  async run({ app }) {
    return new DatasetsRepo((await app()).db).list();
  },
  human: (r) =>
    r.length === 0
      ? 'no datasets yet; import one with `tessella dataset import DIR --name NAME`'
      : r.map((d: { id: number; name: string; images: number; labels: string[]; source: string }) => `${String(d.id).padStart(4)}  ${d.name}  ${d.images} images, ${d.labels.length} classes (${d.source})`).join('\n'),
};

const info: CliCommand = {
  path: ['dataset', 'info'],
  summary: 'Class counts per split, duplicates and import errors of a dataset',
  positionals: ['NAME'],
  async run({ positionals, app }) {
    if (positionals.length !== 1) throw new CliError(`expected exactly one NAME, got ${positionals.length}`, 2);
    return findDataset(await app(), positionals[0]);
  },
  human(d) {
    const rows = d.classes.map((c: { label: string; total: number; train: number; val: number; test: number }) =>
      `  ${c.label.padEnd(24)} ${String(c.total).padStart(6)} ${String(c.train).padStart(6)} ${String(c.val).padStart(6)} ${String(c.test).padStart(6)}`,
    );
    return [
      `dataset ${d.name} (id ${d.id}, ${d.source} ${d.csvPath ?? d.root}, seed ${d.seed})`,
      `  ${'class'.padEnd(24)} ${'total'.padStart(6)} ${'train'.padStart(6)} ${'val'.padStart(6)} ${'test'.padStart(6)}`,
      ...rows,
      `  ${'all'.padEnd(24)} ${String(d.images).padStart(6)} ${String(d.splits.train).padStart(6)} ${String(d.splits.val).padStart(6)} ${String(d.splits.test).padStart(6)}`,
      `duplicates ${d.duplicates.exact} exact, ${d.duplicates.near} near; groups ${d.groups}; mpp known for ${d.withMpp}`,
      ...(d.errors.length ? [`left out ${d.errors.length}:`, ...d.errors.map((e: { path: string; reason: string }) => `  ${e.path}: ${e.reason}`)] : []),
    ].join('\n');
  },
};

/** Rows per query while listing every image of a dataset. */
const IMAGES_PAGE = 1000;

const images: CliCommand = {
  path: ['dataset', 'images'],
  summary: 'Every image of a dataset with its label, split and duplicate group',
  positionals: ['NAME'],
  options: {
    duplicates: { type: 'boolean', description: 'only images in a duplicate group (copies, flips, rotations, re-encodings)' },
  },
  async run({ positionals, options, app }) {
    if (positionals.length !== 1) throw new CliError(`expected exactly one NAME, got ${positionals.length}`, 2);
    const ctx = await app();
    const d = findDataset(ctx, positionals[0]);
    const repo = new DatasetsRepo(ctx.db);
    const out: { path: string; label: string | null; split: string | null; duplicateGroup: number | null }[] = [];
    for (let offset = 0; ; offset += IMAGES_PAGE) {
      const page = repo.images({ datasetId: d.id, order: 'path', offset, limit: IMAGES_PAGE });
      for (const i of page.items) {
        if (options['duplicates'] && i.duplicateGroup === null) continue;
        out.push({ path: i.path, label: i.label, split: i.split, duplicateGroup: i.duplicateGroup });
      }
      if (page.items.length < IMAGES_PAGE) break;
    }
    return out;
  },
  human: (r) =>
    r.length === 0
      ? 'no images'
      : r.map((i: { path: string; label: string | null; split: string | null; duplicateGroup: number | null }) => `${i.split ?? '-'}\t${i.label ?? '(unlabelled)'}\t${i.duplicateGroup ?? ''}\t${i.path}`).join('\n'),
};

const map: CliCommand = {
  path: ['dataset', 'map'],
  summary: "2-D UMAP map of a dataset's embeddings by a backbone, with label, split, duplicate group and prediction per point",
  positionals: ['NAME'],
  options: {
    backbone: { type: 'string', description: 'backbone or model (folder, pulled Hub id or built-in name); embeddings are cached' },
    'max-points': { type: 'number', description: 'map a stable sample of at most this many images (default 10000)' },
    seed: { type: 'number', description: 'seed of the layout (default 42; the same seed gives the same map)' },
    csv: { type: 'string', description: 'also write the points as CSV (x,y,label,split,predicted,duplicate_group,path)' },
    provider: PROVIDER_OPTION,
  },
  async run({ positionals, options, io, app }) {
    if (positionals.length !== 1) throw new CliError(`expected exactly one NAME, got ${positionals.length}`, 2);
    if (typeof options.backbone !== 'string') throw new CliError('--backbone REF is required (a checkpoint folder, a pulled Hub id or a built-in name)', 2);
    const maxPoints = options['max-points'] as number | undefined;
    if (maxPoints !== undefined && !(Number.isInteger(maxPoints) && maxPoints >= 3)) throw new CliError('--max-points must be an integer of at least 3', 2);
    const seed = options.seed as number | undefined;
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new CliError('--seed must be a non-negative integer', 2);
    const ctx = await app();
    const d = findDataset(ctx, positionals[0]);
    const executionProviders = [(await providerChoiceOf(options, io)).chosen];
    let bar: ReturnType<typeof io.progress> | undefined;
    let phase = '';
    const interrupt = abortOnSigint();
    try {
      const m = await mapDataset(ctx, d.id, options.backbone, {
        maxPoints,
        seed,
        executionProviders,
        signal: interrupt.signal,
        onProgress: (p, done, total) => {
          if (p !== phase) {
            bar?.end();
            bar = io.progress(p === 'embed' ? 'embedding' : 'layout', total);
            phase = p;
          }
          bar?.tick(done);
        },
      });
      if (typeof options.csv === 'string') {
        const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
        const rows = m.points.map((p) => [p.x, p.y, q(p.label ?? ''), p.split ?? '', q(p.predicted ?? ''), p.duplicateGroup ?? '', q(p.path)].join(','));
        await writeFile(resolve(options.csv), ['x,y,label,split,predicted,duplicate_group,path', ...rows].join('\n') + '\n');
      }
      return m;
    } catch (e) {
      if (interrupt.signal.aborted) throw new CliError('map cancelled', 130);
      throw e;
    } finally {
      bar?.end();
      interrupt.release();
    }
  },
  human: (m: { points: unknown[]; total: number; computed: number; seconds: number; backbone: { ref: string; dim: number } }) =>
    `${m.points.length} of ${m.total} images mapped with ${m.backbone.ref} (${m.backbone.dim}-d embeddings, ${m.computed} computed now) in ${m.seconds.toFixed(1)} s; --json or --csv for the points`,
};

const remove: CliCommand = {
  path: ['dataset', 'remove'],
  summary: 'Forget a dataset (its image files stay)',
  positionals: ['NAME'],
  async run({ positionals, app }) {
    if (positionals.length !== 1) throw new CliError(`expected exactly one NAME, got ${positionals.length}`, 2);
    const ctx = await app();
    const d = findDataset(ctx, positionals[0]);
    return { id: d.id, name: d.name, removed: new DatasetsRepo(ctx.db).remove(d.id) };
  },
  human: (r) => `removed dataset ${r.name}`,
};

export const datasetCommands: CliCommand[] = [importCmd, list, info, images, map, remove];
