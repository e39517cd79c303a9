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

async function main(): Promise<void> {
  const arg = process.argv[2];
  const names = !arg || arg === 'all' ? Object.keys(benchmarks) : arg.split(',').filter(Boolean);
  const unknown = names.filter((n) => !(n in benchmarks));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown benchmark ${unknown.join(', ')}. Known: ${Object.keys(benchmarks).join(', ')}, all\n`);
    process.exit(2);
  }
  const results: Record<string, object> = {};
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
