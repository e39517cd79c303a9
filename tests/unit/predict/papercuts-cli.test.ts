/**
 * `predict --topk N` lists N classes in text mode too, and a checkpoint folder without
 * preprocessor_config.json says which processor it assumed (the load report, `model info`,
 * `predict`'s stderr) instead of silently normalising with mean and std 0.5. `features` and
 * `explain` resolve --model as predict does: an older run export (model/ inside) and a registered
 * name both work.
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { tessella } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { MULTI_RUN_TIMEOUT, ORACLE, tessellaJson } from './fixtures.js';

const home = tempHome('tessella-predict-papercuts-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

const ASSUMED = /no preprocessor_config\.json; assuming ViTImageProcessor at 32 x 32 with mean \[0\.5, 0\.5, 0\.5\] and std \[0\.5, 0\.5, 0\.5\]/;

describe('predict and model info papercuts', { ...needs(ORACLE.vit), timeout: MULTI_RUN_TIMEOUT }, () => {
  it('prints the top N classes with their probabilities in text mode', () => {
    const image = join(ORACLE.vit!, 'image_0.png');
    const [p] = tessellaJson<{ probabilities: Record<string, number> }[]>(['predict', '--model', ORACLE.vit!, '--topk', '2', image], env);
    const top = Object.entries(p!.probabilities);
    expect(top).toHaveLength(2);
    const r = tessella(['predict', '--model', ORACLE.vit!, '--topk', '2', image], env);
    expect(r.code, r.stderr).toBe(0);
    const fields = r.stdout.trim().split('\t');
    expect(fields).toEqual([top[0]![0], `${(top[0]![1] * 100).toFixed(1)}%`, top[1]![0], `${(top[1]![1] * 100).toFixed(1)}%`, image]);
    expect(r.stderr).not.toMatch(/preprocessor_config/);
  });

  it('says so when preprocessor_config.json is missing: load report, model info and predict', async () => {
    const bare = join(home.dir, 'no-preprocessor');
    mkdirSync(bare, { recursive: true });
    for (const f of ['config.json', 'model.safetensors']) cpSync(join(ORACLE.vit!, f), join(bare, f));

    const ck = await loadCheckpoint(bare);
    expect(ck.loadReport.warnings).toHaveLength(1);
    expect(ck.loadReport.warnings![0]).toMatch(ASSUMED);
    expect((await loadCheckpoint(ORACLE.vit!)).loadReport.warnings).toBeUndefined();

    const info = tessellaJson<{ loadReport: { warnings?: string[] } }>(['model', 'info', bare], env);
    expect(info.loadReport.warnings![0]).toMatch(ASSUMED);
    const text = tessella(['model', 'info', bare], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n').filter((l) => l.startsWith('warning '))).toHaveLength(1);

    const r = tessella(['predict', '--model', bare, join(ORACLE.vit!, 'image_0.png'), '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`warning: .*${ASSUMED.source}`));
  });

  it('features and explain take an older run export and a registered model name', () => {
    const old = join(home.dir, 'old-export');
    mkdirSync(join(old, 'model'), { recursive: true });
    for (const f of ['config.json', 'model.safetensors', 'preprocessor_config.json']) cpSync(join(ORACLE.vit!, f), join(old, 'model', f));
    // the older layout's top-level config.json was the run's training configuration
    writeFileSync(join(old, 'config.json'), JSON.stringify({ mode: 'full', epochs: 1 }) + '\n');
    writeFileSync(join(old, 'metrics.csv'), 'epoch,step,split,name,value,at\n');
    const image = join(ORACLE.vit!, 'image_1.png');

    const emb = join(home.dir, 'emb');
    const f = tessellaJson<{ rows: number; dim: number }>(['features', '--model', old, '--out', emb, image], env);
    expect(f).toMatchObject({ rows: 1, dim: 48 });
    expect(existsSync(`${emb}.npy`)).toBe(true);

    tessellaJson(['model', 'import', ORACLE.vit!, '--name', 'oracle-vit'], env);
    const map = join(home.dir, 'map.png');
    const e = tessellaJson<{ label: string; out: string }>(['explain', '--model', 'oracle-vit', image, '--out', map], env);
    expect(e.out).toBe(map);
    expect(existsSync(map)).toBe(true);
    const eOld = tessellaJson<{ label: string }>(['explain', '--model', old, image, '--out', join(home.dir, 'map-old.png')], env);
    expect(eOld.label).toBe(e.label);
  });
});
