/**
 * `npm run bench -- session-crossover`: from how many images on does holding the onnxruntime
 * session in a worker thread (TESSELLA_ONNX_WORKER=1) beat holding it in the caller's thread
 * (=0)? The worker costs a thread start and onnxruntime's start in that thread, once per job; it
 * saves the decoding of every batch after the first, which then overlaps the forward pass. The
 * threshold in onnx/session-placement.ts comes from this.
 *
 * Each size is a cold `tessella predict --json` over that many lung patches (the 94 repeated in
 * turn: decoding is paid again for each), the two modes alternated (ABBA) so a load change on a
 * shared machine hits both alike; wall time (what the overlap saves) and CPU time are reported.
 * Env: BENCH_CROSSOVER_SIZES (default 8,16,32,64,128), BENCH_CROSSOVER_REPS (pairs, default 3),
 * BENCH_CROSSOVER_MODEL (default resnet-50).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LUNG = resolve(ROOT, '..', 'shared', 'data', 'patches', 'lc25000_lung');

function lungPatches(n: number): string[] {
  const classes = readdirSync(LUNG, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const all = classes.flatMap((c) => readdirSync(join(LUNG, c)).filter((f) => f.endsWith('.jpeg')).sort().map((f) => join(LUNG, c, f)));
  return Array.from({ length: n }, (_, i) => all[i % all.length]!);
}

/** CPU seconds of waited-for children (Linux /proc/self/stat cutime + cstime), or null. */
function childCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return null;
  }
}

function timePredict(model: string, files: string[], home: string, worker: '0' | '1'): { wall: number; cpu: number | null } {
  const cpu0 = childCpuSeconds();
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tessella.mjs'), 'predict', '--model', model, '--engine', 'onnx', ...files, '--json'], {
    cwd: ROOT,
    env: { ...process.env, TESSELLA_HOME: home, TESSELLA_ONNX_WORKER: worker },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wall = (performance.now() - t) / 1000;
  const cpu1 = childCpuSeconds();
  if (r.status !== 0) throw new Error(`tessella predict exited ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
  const n = (JSON.parse(r.stdout) as unknown[]).length;
  if (n !== files.length) throw new Error(`expected ${files.length} predictions, got ${n}`);
  return { wall, cpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function benchSessionCrossover(): Promise<object> {
  const sizes = (process.env['BENCH_CROSSOVER_SIZES'] ?? '8,16,32,64,128').split(',').map(Number);
  const reps = Number(process.env['BENCH_CROSSOVER_REPS'] ?? 3);
  const model = process.env['BENCH_CROSSOVER_MODEL'] ?? 'resnet-50';
  const home = mkdtempSync(join(tmpdir(), 'tessella-bench-crossover-'));
  const load0 = loadavg()[0]!;
  try {
    timePredict(model, lungPatches(2), home, '0'); // builds and caches the graph and its optimised copy
    const rows = sizes.map((n) => {
      const files = lungPatches(n);
      const inline: number[] = [];
      const worker: number[] = [];
      const cpuInline: number[] = [];
      const cpuWorker: number[] = [];
      for (let i = 0; i < reps; i++) {
        const order: ('0' | '1')[] = i % 2 ? ['1', '0'] : ['0', '1'];
        for (const w of order) {
          const r = timePredict(model, files, home, w);
          (w === '1' ? worker : inline).push(r.wall);
          if (r.cpu !== null) (w === '1' ? cpuWorker : cpuInline).push(r.cpu);
        }
        process.stderr.write(`[bench] session-crossover ${model} ${n} images: pair ${i + 1}/${reps} inline ${inline.at(-1)!.toFixed(2)} s, worker ${worker.at(-1)!.toFixed(2)} s\n`);
      }
      return {
        images: n,
        inlineSeconds: inline.map((s) => +s.toFixed(2)),
        workerSeconds: worker.map((s) => +s.toFixed(2)),
        // > 1: the worker is faster
        workerSpeedup: +(median(inline) / median(worker)).toFixed(3),
        cpuInlineSeconds: +median(cpuInline).toFixed(2),
        cpuWorkerSeconds: +median(cpuWorker).toFixed(2),
      };
    });
    return { model, cores: availableParallelism(), loadAverage: { before: +load0.toFixed(2), after: +loadavg()[0]!.toFixed(2) }, rows };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
