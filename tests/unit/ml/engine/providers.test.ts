/**
 * The execution-provider choice over what onnxruntime-node 1.30 really lists on each platform
 * (linux x64: cpu, webgpu, cuda and tensorrt unbundled; win32: cpu, dml, webgpu; darwin: cpu,
 * coreml, webgpu), and over this machine's own list.
 */
import { describe, expect, it } from 'vitest';
import { chooseProvider, pinOf, providerFacts, type ProviderFacts } from '../../../../src/main/ml/engine/providers.js';

const linux = (installed: string[] = []): ProviderFacts => ({
  platform: 'linux',
  listed: [
    { name: 'cpu', bundled: true },
    { name: 'webgpu', bundled: true },
    { name: 'cuda', bundled: false },
    { name: 'tensorrt', bundled: false },
  ],
  installed,
});
const win32: ProviderFacts = { platform: 'win32', listed: [{ name: 'cpu', bundled: true }, { name: 'dml', bundled: true }, { name: 'webgpu', bundled: true }], installed: [] };
const darwin: ProviderFacts = { platform: 'darwin', listed: [{ name: 'cpu', bundled: true }, { name: 'coreml', bundled: true }, { name: 'webgpu', bundled: true }], installed: [] };

describe('chooseProvider', () => {
  it('linux with only cpu listed: cpu, saying no GPU provider is usable', () => {
    const c = chooseProvider({ platform: 'linux', listed: [{ name: 'cpu', bundled: true }], installed: [] });
    expect(c.chosen).toBe('cpu');
    expect(c.pinned).toBeNull();
    expect(c.reason).toMatch(/no GPU provider is usable on linux/);
    expect(c.reason).toMatch(/cuda: not in this onnxruntime-node build/);
    expect(c.available.map((a) => a.name)).toEqual(['cpu']);
  });

  it('linux with cuda listed but its libraries missing: cpu, and cuda is not usable with how to install it', () => {
    const c = chooseProvider(linux());
    expect(c.chosen).toBe('cpu');
    const cuda = c.available.find((a) => a.name === 'cuda')!;
    expect(cuda.usable).toBe(false);
    expect(cuda.note).toMatch(/TESSELLA_CUDA=1/);
    expect(c.reason).toContain('cuda: its provider libraries are not installed');
    // webgpu is bundled but experimental: never the default
    expect(c.available.find((a) => a.name === 'webgpu')!.usable).toBe(true);
  });

  it('linux with the cuda provider libraries installed: cuda by default', () => {
    const c = chooseProvider(linux(['cuda']));
    expect(c.chosen).toBe('cuda');
    expect(c.reason).toMatch(/best provider available on linux; cpu is the fallback/);
  });

  it('win32 with dml: dml by default', () => {
    const c = chooseProvider(win32);
    expect(c.chosen).toBe('dml');
    expect(c.pinned).toBeNull();
  });

  it('darwin with coreml: coreml by default', () => {
    expect(chooseProvider(darwin).chosen).toBe('coreml');
  });

  it('a pin to a usable provider wins over the default, directml spelled as onnxruntime spells it', () => {
    expect(chooseProvider(win32, { providers: ['cpu'], source: 'setting' })).toMatchObject({ chosen: 'cpu', pinned: { providers: ['cpu'], source: 'setting' } });
    const c = chooseProvider(win32, { providers: ['DirectML'], source: 'option' });
    expect(c.chosen).toBe('dml');
    expect(c.reason).toBe('dml pinned by --provider');
  });

  it('a pin to a provider that cannot load here falls back to cpu, with the reason', () => {
    const missing = chooseProvider(linux(), { providers: ['cuda'], source: 'setting' });
    expect(missing.chosen).toBe('cpu');
    expect(missing.pinned).toEqual({ providers: ['cuda'], source: 'setting' });
    expect(missing.reason).toMatch(/^cuda pinned by the engine.provider setting, but it cannot load here \(cuda: its provider libraries are not installed.*\); using cpu$/);
    const absent = chooseProvider(linux(), { providers: ['coreml'], source: 'option' });
    expect(absent.chosen).toBe('cpu');
    expect(absent.reason).toContain('coreml: not in this onnxruntime-node build (linux)');
  });

  it('several --provider values: the first usable one', () => {
    expect(chooseProvider(linux(), { providers: ['cuda', 'webgpu'], source: 'option' }).chosen).toBe('webgpu');
  });

  it('pinOf: --provider wins over the setting; auto is no pin', () => {
    expect(pinOf('cuda', ['cpu'])).toEqual({ providers: ['cpu'], source: 'option' });
    expect(pinOf('cuda', undefined)).toEqual({ providers: ['cuda'], source: 'setting' });
    expect(pinOf('auto', [])).toBeNull();
    expect(pinOf(undefined, undefined)).toBeNull();
  });
});

describe('providerFacts on this machine', () => {
  it('lists what onnxruntime-node lists, cpu among them, and no unbundled provider is installed here', async () => {
    const facts = await providerFacts();
    expect(facts.platform).toBe(process.platform);
    expect(facts.listed.find((p) => p.name === 'cpu')).toEqual({ name: 'cpu', bundled: true });
    // this checkout installs with onnxruntime-node-install=skip (.npmrc)
    expect(facts.installed).toEqual([]);
  });
});
