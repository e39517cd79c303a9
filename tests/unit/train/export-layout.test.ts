/**
 * One export layout. `train --out` and the app's runs.export write the same thing, a flat
 * HuggingFace folder with the run's files in run/, and both open in `model info`, `predict` and
 * `eval`; so does a head trained on a frozen backbone. An export in the older layout (checkpoint
 * in model/ under the run's config.json) still opens, as its inner folder. Along the way: the CLI
 * prints each epoch with that epoch's numbers (the last one included), `runs` prints a header and
 * names, and `eval` takes a registered model's name as `predict` does.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { createTrainingHandlers } from '../../../src/main/train/handlers.js';
import { tessella } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, oneJson, vitTiny } from './fixtures.js';

const home = tempHome('tessella-export-layout-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];
const TIMEOUT = 600_000;
afterAll(() => home.cleanup());

/** Five patches per class: enough for a train/val/test split, quick to train on. */
function smallLung(dir: string): string {
  for (const c of CLASSES) {
    mkdirSync(join(dir, c), { recursive: true });
    for (const f of readdirSync(join(lung!, c)).sort().slice(0, 5)) cpSync(join(lung!, c, f), join(dir, c, f));
  }
  return dir;
}

function ok(args: string[]) {
  const r = tessella(args, env, TIMEOUT);
  expect(r.code, r.stderr).toBe(0);
  return r;
}
const json = (args: string[]) => oneJson(ok([...args, '--json']).stdout);
const listing = (dir: string) => readdirSync(dir).sort();

/** runs.export as the app calls it, in this process on the CLI's home. */
async function uiExport(runId: number, dir: string): Promise<{ dir: string; files: string[] }> {
  const ctx: AppContext = createAppContext({ host: 'cli', home: env.TESSELLA_HOME });
  try {
    const handlers = createTrainingHandlers(ctx) as unknown as Handlers;
    return (await dispatch(handlers, 'runs.export', { id: runId, dir })) as { dir: string; files: string[] };
  } finally {
    ctx.close();
  }
}

async function epochLosses(runId: number): Promise<number[]> {
  const ctx: AppContext = createAppContext({ host: 'cli', home: env.TESSELLA_HOME });
  try {
    const handlers = createTrainingHandlers(ctx) as unknown as Handlers;
    const m = (await dispatch(handlers, 'runs.metrics', { id: runId, level: 'epoch' })) as { epoch: number; split: string; name: string; value: number }[];
    return m.filter((p) => p.split === 'train' && p.name === 'loss').sort((a, b) => a.epoch - b.epoch).map((p) => p.value);
  } finally {
    ctx.close();
  }
}

describe('one export layout', { ...needs(lung, vitTiny), timeout: TIMEOUT }, () => {
  let data: string;
  let image: string;
  let runId: number;
  let trainStderr: string;
  const cliOut = join(home.dir, 'cli-export');
  const uiOut = join(home.dir, 'ui-export');

  beforeAll(() => {
    data = smallLung(join(home.dir, 'lung'));
    image = join(data, 'lung_n', readdirSync(join(data, 'lung_n')).sort()[0]!);
    const r = ok(['train', '--data', data, '--init', vitTiny!, '--mode', 'full', '--epochs', '2', '--batch-size', '8', '--seed', '1', '--name', 'tiny-export', '--out', cliOut]);
    trainStderr = r.stderr;
    runId = Number(/^run (\d+)$/m.exec(r.stderr)?.[1]);
    expect(Number.isInteger(runId), r.stderr).toBe(true);
  }, TIMEOUT);

  it('prints every epoch once, with its own recorded train loss, the last epoch included', async () => {
    const losses = await epochLosses(runId);
    expect(losses).toHaveLength(2);
    const lines = trainStderr.split('\n').filter((l) => /^epoch \d+\/2:/.test(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`epoch 1/2: train loss ${losses[0]!.toFixed(4)}`);
    expect(lines[1]).toContain(`epoch 2/2: train loss ${losses[1]!.toFixed(4)}`);
  });

  it('train --out and runs.export write the same flat layout with the run files in run/', async () => {
    const r = await uiExport(runId, uiOut);
    expect(r.dir).toBe(uiOut);
    expect(listing(cliOut)).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json', 'run']);
    expect(listing(uiOut)).toEqual(listing(cliOut));
    expect(listing(join(cliOut, 'run'))).toEqual(['metrics.csv', 'summary.json', 'trainer_state.json', 'training_config.json']);
    expect(listing(join(uiOut, 'run'))).toEqual(listing(join(cliOut, 'run')));
    expect(r.files).toContain(join(uiOut, 'config.json'));
    expect(readFileSync(join(uiOut, 'model.safetensors')).equals(readFileSync(join(cliOut, 'model.safetensors')))).toBe(true);
    const summary = JSON.parse(readFileSync(join(cliOut, 'run', 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ id: runId, status: 'completed', name: 'tiny-export', outDir: cliOut });
    expect(readFileSync(join(uiOut, 'run', 'metrics.csv'), 'utf8').split('\n')[0]).toBe('epoch,step,split,name,value,at');
  });

  it('both exports open in model info and predict, as the same model', () => {
    const a = json(['model', 'info', cliOut]);
    const b = json(['model', 'info', uiOut]);
    expect(a).toMatchObject({ arch: 'vit', labels: CLASSES, dir: cliOut });
    expect(b.hash).toBe(a.hash);
    const [pa] = json(['predict', '--model', cliOut, image]);
    const [pb] = json(['predict', '--model', uiOut, image]);
    expect(Object.keys(pa.probabilities).sort()).toEqual([...CLASSES].sort());
    expect(pb.logits).toEqual(pa.logits);
  });

  it('an export in the older layout (model/ under the run files) opens as its inner folder', () => {
    const old = join(home.dir, 'old-export');
    mkdirSync(join(old, 'model'), { recursive: true });
    for (const f of ['config.json', 'model.safetensors', 'preprocessor_config.json']) cpSync(join(uiOut, f), join(old, 'model', f));
    // the older layout's own config.json was the run's training configuration
    cpSync(join(uiOut, 'run', 'training_config.json'), join(old, 'config.json'));
    cpSync(join(uiOut, 'run', 'metrics.csv'), join(old, 'metrics.csv'));
    cpSync(join(uiOut, 'run', 'summary.json'), join(old, 'summary.json'));
    const info = json(['model', 'info', old]);
    expect(info).toMatchObject({ dir: join(old, 'model'), labels: CLASSES, hash: json(['model', 'info', uiOut]).hash });
    const [p] = json(['predict', '--model', old, image]);
    expect(p.logits).toEqual(json(['predict', '--model', uiOut, image])[0].logits);
    const ev = json(['eval', '--model', old, '--data', data]);
    expect(ev.n).toBe(15);
  });

  it('eval takes a registered model name, as predict does', () => {
    json(['model', 'import', cliOut, '--name', 'tiny-registered']);
    const byName = json(['eval', '--model', 'tiny-registered', '--data', data]);
    const byDir = json(['eval', '--model', cliOut, '--data', data]);
    expect(byName.n).toBe(15);
    expect(byName.accuracy).toBe(byDir.accuracy);
    expect(byName.confusion).toEqual(byDir.confusion);
    const [p] = json(['predict', '--model', 'tiny-registered', image]);
    expect(p.logits).toEqual(json(['predict', '--model', cliOut, image])[0].logits);
  });

  it('runs prints a header and the run names', () => {
    const lines = ok(['runs']).stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+ARCH\s+MODE\s+DATASET\s+EPOCHS\s+BEST\s+STARTED$/);
    const row = lines.find((l) => l.startsWith(`${runId} `));
    expect(row).toBeDefined();
    expect(row).toContain('tiny-export');
    expect(row).toContain('completed');
    expect(row).toContain('2/2');
  });

  it('a head on a frozen backbone exports the same way and opens in model info and predict', async () => {
    const headOut = join(home.dir, 'head-export');
    const r = json(['train', '--data', data, '--backbone', vitTiny!, '--head', 'logreg', '--seed', '1', '--out', headOut]);
    expect(r.status).toBe('completed');
    expect(listing(headOut)).toEqual(['config.json', 'head.safetensors', 'run']);
    expect(listing(join(headOut, 'run'))).toEqual(['metrics.csv', 'summary.json', 'training_config.json']);
    const ui = join(home.dir, 'head-ui-export');
    await uiExport(r.runId, ui);
    expect(listing(ui)).toEqual(listing(headOut));
    expect(listing(join(ui, 'run'))).toEqual(listing(join(headOut, 'run')));
    const info = json(['model', 'info', headOut]);
    expect(info.labels).toEqual(CLASSES);
    expect(json(['model', 'info', ui]).hash).toBe(info.hash);
    const [p] = json(['predict', '--model', ui, image]);
    expect(Object.keys(p.probabilities).sort()).toEqual([...CLASSES].sort());
    expect(p.logits).toEqual(json(['predict', '--model', headOut, image])[0].logits);
  });
});
