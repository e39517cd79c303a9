/**
 * `npm run bench -- <name>[,<name>...]` (or `all`): runs the named benchmarks and prints ONE JSON
 * document on stdout, `{ "<name>": result, ... }`. Progress goes to stderr. Each benchmark is
 * imported only when it runs, so one with heavy native dependencies does not slow the others.
 */
type Bench = () => Promise<object>;

const benchmarks: Record<string, Bench> = {
  tiles: async () => (await import('./tiles')).benchTiles(),
  infer: async () => ({ onnx: await (await import('./infer-onnx')).benchInferOnnx(), tfjs: await (await import('./infer-tfjs')).benchInferTfjs() }),
  'predict-cli': async () => (await import('./predict-cli')).benchPredictCli(),
  slide: async () => (await import('./slide')).benchSlide(),
  train: async () => (await import('./train')).benchTrain(),
  heads: async () => (await import('./heads')).benchHeads(),
  'fm-sizes': async () => (await import('./fm-sizes')).benchFmSizes(),
  'fm-embed': async () => (await import('./fm-embed')).benchFmEmbed(),
  int8: async () => (await import('./int8')).benchInt8(),
  'session-crossover': async () => (await import('./session-crossover')).benchSessionCrossover(),
};

/**
 * The machine the figures come from. The PyTorch references in the benches were measured on a 2-core
 * AVX2 EPYC; on a CPU with AVX-512 (or VNNI) onnxruntime's kernels run up to ~2.5x faster, so a
 * ratio against those references only holds on an AVX2 machine.
 */
async function machine(): Promise<object> {
  const { cpus, availableParallelism } = await import('node:os');
  const { readFileSync } = await import('node:fs');
  let flags: string[] = [];
  try {
    flags = (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/);
  } catch {
    // not Linux: the flags stay unknown
  }
  const simd = ['avx2', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_tile'].filter((f) => flags.includes(f));
  return { cpu: cpus()[0]?.model ?? 'unknown', threads: availableParallelism(), simd, comparableToPytorchReference: flags.length ? !flags.includes('avx512f') : null };
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  const names = !arg || arg === 'all' ? Object.keys(benchmarks) : arg.split(',').filter(Boolean);
  const unknown = names.filter((n) => !(n in benchmarks));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown benchmark ${unknown.join(', ')}. Known: ${Object.keys(benchmarks).join(', ')}, all\n`);
    process.exit(2);
  }
  const results: Record<string, object> = { machine: await machine() };
  for (const name of names) {
    process.stderr.write(`[bench] ${name}\n`);
    results[name] = await benchmarks[name]();
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
