/**
 * The provider choice as users meet it: the engine.* settings through the contract (validated by
 * its zod schema), and `tessella engine --json` in a child process honouring the data home's pin
 * and --provider. This machine has no GPU provider usable, so cpu is chosen, with the reason.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAppContext } from '../../../../src/main/app-context.js';
import { tessella } from '../../../helpers/cli.js';
import { inProcessContract } from '../../../helpers/in-process-contract.js';
import { needs } from '../../../helpers/needs.js';
import { sharedPath } from '../../../helpers/shared-data.js';

const contract = inProcessContract('tessella-engine-provider-');
const vitTiny = sharedPath('oracle/vit_tiny');

function engineJson(args: string[], home: string): Record<string, any> {
  const r = tessella(['engine', '--json', ...args], { TESSELLA_HOME: home }, 180_000);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('engine settings through the contract', () => {
  it('start as auto and fp32, change one field at a time, and refuse an unknown provider in one line', async () => {
    expect((await contract.call('settings.get', {})).engine).toEqual({ provider: 'auto', precision: 'fp32' });
    expect((await contract.call('settings.set', { engine: { precision: 'int8' } })).engine).toEqual({ provider: 'auto', precision: 'int8' });
    expect((await contract.call('settings.set', { engine: { provider: 'cuda' } })).engine).toEqual({ provider: 'cuda', precision: 'int8' });
    // other settings leave the engine ones alone
    expect((await contract.call('settings.set', { tileQuality: 60 })).engine).toEqual({ provider: 'cuda', precision: 'int8' });
    await expect(contract.call('settings.set', { engine: { provider: 'gpu' } })).rejects.toThrow(/^invalid input for settings\.set: [^\n]*engine\.provider[^\n]*$/);
    await expect(contract.call('settings.set', { engine: { precision: 'fp16' } })).rejects.toThrow(/engine\.precision/);
    expect((await contract.call('settings.get', {})).engine).toEqual({ provider: 'cuda', precision: 'int8' });
  });

  it('engine.info honours the pin: cuda cannot load here, so cpu with the reason', async () => {
    await contract.call('settings.set', { engine: { provider: 'cuda' } });
    const s = await contract.call('engine.info', {});
    expect(s.onnx.choice.pinned).toEqual({ providers: ['cuda'], source: 'setting' });
    expect(s.onnx.provider).toBe('cpu');
    expect(s.onnx.choice.reason).toMatch(/^cuda pinned by the engine\.provider setting, but it cannot load here .*; using cpu$/);
  }, 120_000);
});

describe('tessella engine --json', () => {
  it('chooses cpu here with a reason, lists the providers, and says why training is not on the GPU', () => {
    const r = engineJson([], join(contract.dir, 'fresh-home'));
    expect(r.onnx.provider).toBe('cpu');
    expect(r.onnx.choice.chosen).toBe('cpu');
    expect(r.onnx.choice.pinned).toBeNull();
    expect(r.onnx.choice.reason).toMatch(/^no GPU provider is usable on /);
    expect(r.onnx.choice.available.find((p: { name: string }) => p.name === 'cpu')).toMatchObject({ usable: true });
    expect(r.training.gpu.inUse).toBe(false);
    expect(r.training.gpu.reason).toMatch(/tfjs-node-gpu/);
  }, 200_000);

  it('shows the data home\'s pin, and --provider wins over it', () => {
    const home = join(contract.dir, 'pinned-home');
    const ctx = createAppContext({ host: 'cli', home });
    ctx.settings.set({ engine: { provider: 'coreml' } });
    ctx.close();
    const pinned = engineJson([], home);
    expect(pinned.onnx.choice.pinned).toEqual({ providers: ['coreml'], source: 'setting' });
    expect(pinned.onnx.provider).toBe(process.platform === 'darwin' ? 'coreml' : 'cpu');
    const option = engineJson(['--provider', 'cpu'], home);
    expect(option.onnx.choice).toMatchObject({ chosen: 'cpu', pinned: { providers: ['cpu'], source: 'option' }, reason: 'cpu pinned by --provider' });
  }, 400_000);
});

describe('tessella predict --provider', needs(vitTiny), () => {
  it('a provider that cannot load here predicts on cpu and says why on stderr; an unknown name is a usage error', () => {
    const env = { TESSELLA_HOME: join(contract.dir, 'predict-home') };
    const image = join(vitTiny!, 'image_1.png');
    const plain = tessella(['predict', '--model', vitTiny!, image, '--json'], env, 180_000);
    expect(plain.code, plain.stderr).toBe(0);
    const pinned = tessella(['predict', '--model', vitTiny!, image, '--provider', 'coreml', '--json'], env, 180_000);
    expect(pinned.code, pinned.stderr).toBe(0);
    // the same predictions as the automatic choice (cpu here)
    expect(JSON.parse(pinned.stdout)).toEqual(JSON.parse(plain.stdout));
    if (process.platform !== 'darwin') expect(pinned.stderr).toMatch(/^note: coreml pinned by --provider, but it cannot load here \(coreml: not in this onnxruntime-node build/m);
    const bad = tessella(['predict', '--model', vitTiny!, image, '--provider', 'gpu'], env, 60_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['tessella: --provider must be one of cpu, cuda, tensorrt, dml, coreml, webgpu or auto, got "gpu"']);
  }, 400_000);
});
