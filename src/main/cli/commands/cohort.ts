/**
 * `tessella cohort run|status|collect` (and the internal `cohort task` each Slurm array task
 * runs): a cohort of slides scored by one model as a folder of results, run here or on a Slurm
 * cluster, then merged into the data home.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { collectCohort } from '../../cohorts/collect.js';
import { readManifest, type CohortParams, type SlurmOptions } from '../../cohorts/manifest.js';
import { pendingIndices, runLocal, runSlurm, type RunOutcome } from '../../cohorts/run.js';
import { setUpCohort, slidesFromCsv, type SlideEntry } from '../../cohorts/setup.js';
import { cohortStatus, type CohortStatus } from '../../cohorts/status.js';
import { rememberCohort } from '../../cohorts/known.js';
import { runCohortTask } from '../../cohorts/task.js';
import { CohortReportInput, type ReportSummary } from '../../../shared/contract/reports.js';
import { reportService } from '../../reports/service.js';
import { CliError, type CliCommand, type CliIO, type ParsedOptions } from '../command.js';
import { abortOnSigint } from '../interrupt.js';
import { finished, follow } from './report.js';

const str = (o: ParsedOptions, k: string): string | undefined => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);

function num(o: ParsedOptions, k: string, check: (v: number) => boolean, what: string): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new CliError(`--${k} must be ${what}`, 2);
  return v;
}

function oneDir(positionals: string[]): string {
  if (positionals.length !== 1) throw new CliError(`expected exactly one cohort DIR, got ${positionals.length}`, 2);
  return resolve(positionals[0]!);
}

async function execute(dir: string, io: CliIO): Promise<RunOutcome & { dir: string; skipped: number }> {
  const m = await readManifest(dir);
  const todo = await pendingIndices(dir, m);
  const skipped = m.slides.length - todo.length;
  if (m.executor === 'slurm') return { ...(await runSlurm(dir, m, todo)), dir, skipped };
  const interrupt = abortOnSigint();
  const bar = todo.length ? io.progress('slides', todo.length) : undefined;
  try {
    const r = await runLocal(dir, m, todo, { signal: interrupt.signal, onProgress: (p) => bar?.tick(p.done, p.note) });
    if (interrupt.signal.aborted) throw new CliError(`stopped; slides finished are kept: tessella cohort run --resume ${dir} goes on`, 130);
    for (const f of r.failed) io.info(`failed: ${f.path}: ${f.error}`);
    return { ...r, dir, skipped };
  } finally {
    bar?.end();
    interrupt.release();
  }
}

const run: CliCommand = {
  path: ['cohort', 'run'],
  summary: 'Score many slides with one model into a cohort folder, here (--executor local) or as a Slurm array job',
  positionals: ['SLIDES...'],
  options: {
    csv: { type: 'string', description: 'CSV of slides: a "path" column and an optional "mpp" column (the slide’s own µm/px; empty reads it from the file)' },
    model: { type: 'string', description: 'checkpoint folder (HuggingFace layout), built-in architecture or pulled Hub id' },
    mpp: { type: 'number', description: 'tile resolution in µm per pixel (default: the model’s training mpp, else 0.5)' },
    overlap: { type: 'number', description: 'fraction of a tile shared with its neighbour (0 to 0.75)', default: 0 },
    'min-tissue': { type: 'number', description: 'least tissue fraction of a tile for it to be classified', default: 0.25 },
    'batch-size': { type: 'number', description: 'tiles per engine run', default: 8 },
    out: { type: 'string', description: 'cohort folder (manifest.json, model/, slides/NNNN/, job.sbatch)' },
    executor: { type: 'string', description: 'local | slurm', default: 'local' },
    'max-parallel': { type: 'number', description: 'slides at once (local) or Slurm array throttle (%N)', default: 2 },
    resume: { type: 'string', description: 'cohort folder to go on with: runs or submits only the slides not done' },
    partition: { type: 'string', description: 'Slurm partition' },
    time: { type: 'string', description: 'Slurm time limit per task (e.g. 02:00:00)' },
    mem: { type: 'string', description: 'Slurm memory per task (e.g. 8G)' },
    gpus: { type: 'string', description: 'Slurm GPUs per task (e.g. 1)' },
    'sbatch-arg': { type: 'string', multiple: true, description: 'extra sbatch option, passed through as given (repeatable)' },
    container: { type: 'string', description: 'Apptainer image (.sif) each task runs `tessella` in' },
    'allow-image-type-mismatch': { type: 'boolean', description: 'run a brightfield model on fluorescence slides (or the reverse), which is refused otherwise' },
  },
  async run({ positionals, options, io, app }) {
    const resumeDir = str(options, 'resume');
    if (resumeDir) {
      if (positionals.length || str(options, 'csv')) throw new CliError('--resume DIR takes no slides: the cohort folder lists them', 2);
      return execute(resolve(resumeDir), io);
    }
    const out = str(options, 'out');
    if (!out) throw new CliError('--out DIR is required (the cohort folder)', 2);
    const model = str(options, 'model');
    if (!model) throw new CliError('--model is required', 2);
    const executor = options.executor ?? 'local';
    if (executor !== 'local' && executor !== 'slurm') throw new CliError('--executor must be local or slurm', 2);
    const csv = str(options, 'csv');
    if (csv && positionals.length) throw new CliError('give slides as arguments or --csv FILE, not both', 2);
    const slides: SlideEntry[] = csv ? await slidesFromCsv(resolve(csv)) : positionals.map((p) => ({ path: resolve(p), slideMpp: null }));
    if (slides.length === 0) throw new CliError('give at least one slide (arguments or --csv FILE)', 2);
    const mpp = num(options, 'mpp', (v) => v > 0, 'a positive number');
    const params: CohortParams = {
      ...(mpp !== undefined ? { mpp } : {}),
      overlap: num(options, 'overlap', (v) => v >= 0 && v <= 0.75, 'between 0 and 0.75') ?? 0,
      minTissue: num(options, 'min-tissue', (v) => v >= 0 && v <= 1, 'between 0 and 1') ?? 0.25,
      batchSize: num(options, 'batch-size', (v) => Number.isInteger(v) && v >= 1 && v <= 256, 'an integer from 1 to 256') ?? 8,
      ...(options['allow-image-type-mismatch'] === true ? { allowImageTypeMismatch: true } : {}),
    };
    const maxParallel = num(options, 'max-parallel', (v) => Number.isInteger(v) && v >= 1 && v <= 10_000, 'a positive integer') ?? 2;
    const extra = options['sbatch-arg'];
    const slurm: SlurmOptions = {
      ...(str(options, 'partition') ? { partition: str(options, 'partition')! } : {}),
      ...(str(options, 'time') ? { time: str(options, 'time')! } : {}),
      ...(str(options, 'mem') ? { mem: str(options, 'mem')! } : {}),
      ...(str(options, 'gpus') ? { gpus: str(options, 'gpus')! } : {}),
      ...(str(options, 'container') ? { container: resolve(str(options, 'container')!) } : {}),
      sbatchArgs: Array.isArray(extra) ? extra.map(String) : typeof extra === 'string' ? [extra] : [],
    };
    const dir = resolve(out);
    await setUpCohort({ dir, slides, model, params, executor, maxParallel, slurm });
    // The data home remembers the folder so the Cohorts page lists it.
    await rememberCohort((await app()).home.root, dir);
    return execute(dir, io);
  },
  human: (r: RunOutcome & { dir: string; skipped: number }) =>
    r.executor === 'slurm'
      ? r.jobId
        ? `submitted Slurm job ${r.jobId}: ${r.indices.length} slide(s) (${r.skipped} already done or queued)\nscript  ${r.sbatch}\nstatus  tessella cohort status ${r.dir}`
        : `nothing to submit: every slide is done, queued or running (tessella cohort status ${r.dir})`
      : `${r.done.length} slide(s) done, ${r.failed.length} failed, ${r.skipped} skipped (already done)\ncohort  ${r.dir}${r.failed.map((f) => `\nfailed  ${f.path}: ${f.error}`).join('')}`,
};

const task: CliCommand = {
  path: ['cohort', 'task'],
  summary: 'Internal: run slide INDEX of a cohort (what each Slurm array task runs)',
  hidden: true,
  positionals: ['DIR', 'INDEX'],
  async run({ positionals }) {
    if (positionals.length !== 2) throw new CliError('expected DIR and INDEX', 2);
    const index = Number(positionals[1]);
    if (!Number.isInteger(index) || index < 0) throw new CliError('INDEX must be a slide index (0, 1, ...)', 2);
    const abort = new AbortController();
    // not abortOnSigint, as scancel sends SIGTERM too: stop after the batch in flight; the tiles done are kept in work/ for the resubmitted task.
    const stop = () => abort.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      return await runCohortTask(resolve(positionals[0]!), index, { signal: abort.signal });
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  },
  human: (r) => `${r.status} ${r.path}: ${r.tiles} tiles → ${r.out}`,
};

const status: CliCommand = {
  path: ['cohort', 'status'],
  summary: 'Per slide of a cohort: queued, running, done or failed (with why)',
  positionals: ['DIR'],
  async run({ positionals }) {
    return cohortStatus(oneDir(positionals));
  },
  human: (r: CohortStatus) =>
    [
      `${r.counts.done} done, ${r.counts.running} running, ${r.counts.queued} queued, ${r.counts.failed} failed of ${r.slides.length}${r.slurmAnswered ? '' : ' (Slurm did not answer: from markers only)'}`,
      ...r.slides.map((s) => `${String(s.index).padStart(4)}  ${s.state.padEnd(8)} ${s.path}${s.error ? `\n      ${s.error}` : ''}`),
    ].join('\n'),
};

const collect: CliCommand = {
  path: ['cohort', 'collect'],
  summary: 'Merge a cohort’s results into the data home (slides, analyses, heatmaps) and write its CSV',
  positionals: ['DIR'],
  options: {
    csv: { type: 'string', description: 'cohort CSV (the layout of `report cohort --csv`; default DIR/cohort.csv)' },
    report: { type: 'string', description: 'also write the cohort PDF report (as `report cohort`) of the slides collected' },
  },
  async run({ positionals, options, app, io }) {
    const dir = oneDir(positionals);
    const ctx = await app();
    const r = await collectCohort(ctx, dir);
    const csvPath = resolve(str(options, 'csv') ?? `${dir}/cohort.csv`);
    await mkdir(dirname(csvPath), { recursive: true });
    await writeFile(csvPath, r.csv);
    const { csv: _csv, ...rest } = r;
    const pdf = str(options, 'report');
    let report: ReportSummary | undefined;
    if (pdf) {
      const slideIds = r.slides.flatMap((s) => (s.analysisId !== null && s.slideId !== null ? [s.slideId] : []));
      if (slideIds.length === 0) throw new CliError('no slide of the cohort is done: nothing to report', 1);
      const m = await readManifest(dir);
      const params = { overlap: m.params.overlap, minTissue: m.params.minTissue, ...(m.params.mpp !== undefined ? { mpp: m.params.mpp } : {}) };
      const input = CohortReportInput.parse({ pageSize: 'A4', pdf: resolve(pdf), slideIds, model: m.model.dir, params });
      // Every slide's analysis is stored by now: the report reads them and runs nothing.
      report = finished(await follow(ctx, io, reportService(ctx).cohort(input)));
    }
    return { ...rest, csvPath, ...(report ? { report: { id: report.id, pdfPath: report.pdfPath } } : {}) };
  },
  human: (r) => `${r.imported} analysis(es) stored, ${r.kept} already there, ${r.failed} slide(s) not collected\ncsv  ${r.csvPath}${r.report ? `\npdf  ${r.report.pdfPath}` : ''}${r.slides.filter((s: { error: string | null }) => s.error).map((s: { path: string; error: string }) => `\nnot collected  ${s.path}: ${s.error}`).join('')}`,
};

export const cohortCommands: CliCommand[] = [run, task, status, collect];
