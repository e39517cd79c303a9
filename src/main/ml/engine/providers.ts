/**
 * Which onnxruntime execution provider runs the fast engine, decided in one place: from what this
 * onnxruntime-node build lists, what the platform offers and whether a provider's own libraries
 * are on disk. The default is the best usable one (CUDA on Linux once its provider libraries were
 * downloaded, DirectML on Windows, CoreML on macOS), else cpu; a user pin (the `engine.provider`
 * setting, or `--provider`) wins when usable. A pin that is not usable here means cpu, with the
 * reason, never a failure: a provider that is listed but still cannot start a session falls back
 * to cpu in session.ts, which reports that too.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ProviderChoice } from '../../../shared/contract/models.js';

export type { ProviderChoice };

/** Names users reach for that onnxruntime-node spells differently. */
const ALIASES: Record<string, string> = { directml: 'dml' };

export function canonicalProvider(name: string): string {
  const n = name.trim().toLowerCase();
  return ALIASES[n] ?? n;
}

/** What onnxruntime-node's listSupportedBackends() says of one provider. */
export interface ListedProvider {
  name: string;
  /** False for providers whose libraries are downloaded separately (CUDA, TensorRT on Linux). */
  bundled: boolean;
}

export interface ProviderFacts {
  platform: NodeJS.Platform;
  listed: ListedProvider[];
  /** Providers not bundled with onnxruntime-node whose libraries are installed beside it. */
  installed: string[];
}

export type ProviderState = ProviderChoice['available'][number];
export type ProviderPin = NonNullable<ProviderChoice['pinned']>;

/** Best first; each only where its platform has it. webgpu is experimental: used only when pinned. */
const PREFERENCE: { name: string; platforms: NodeJS.Platform[] }[] = [
  { name: 'cuda', platforms: ['linux'] },
  { name: 'dml', platforms: ['win32'] },
  { name: 'coreml', platforms: ['darwin'] },
];

const HOW_TO_INSTALL: Record<string, string> = {
  cuda: 'its provider libraries are not installed (TESSELLA_CUDA=1 npm install, or npm run cuda)',
  tensorrt: 'its provider libraries are not installed (TESSELLA_CUDA=1 npm install, or npm run cuda; TensorRT itself is also needed)',
};

function stateOf(p: ListedProvider, facts: ProviderFacts): ProviderState {
  if (p.name === 'cpu') return { name: 'cpu', usable: true, note: 'always available' };
  if (p.bundled) return { name: p.name, usable: true, note: p.name === 'webgpu' ? 'bundled (experimental; used only when pinned)' : 'bundled' };
  if (facts.installed.includes(p.name)) return { name: p.name, usable: true, note: 'provider libraries installed (needs the matching CUDA runtime)' };
  return { name: p.name, usable: false, note: HOW_TO_INSTALL[p.name] ?? 'its libraries are not bundled with onnxruntime-node' };
}

function describePin(pin: ProviderPin): string {
  return `${pin.providers.join(', ')} pinned by ${pin.source === 'setting' ? 'the engine.provider setting' : '--provider'}`;
}

/** The provider to run with, and why. Pure: the facts are gathered by providerFacts(). */
export function chooseProvider(facts: ProviderFacts, pin: ProviderPin | null = null): ProviderChoice {
  const listed = facts.listed.some((p) => p.name === 'cpu') ? facts.listed : [{ name: 'cpu', bundled: true }, ...facts.listed];
  const available = listed.map((p) => stateOf(p, facts));
  const usable = (name: string) => available.find((s) => s.name === name)?.usable === true;
  const wanted = pin ? pin.providers.map(canonicalProvider).filter((p) => p !== 'auto') : [];
  const effectivePin = pin && wanted.length ? { ...pin, providers: wanted } : null;

  if (effectivePin) {
    const hit = wanted.find(usable);
    if (hit) return { available, chosen: hit, reason: describePin(effectivePin), pinned: effectivePin };
    const why = wanted.map((p) => `${p}: ${available.find((s) => s.name === p)?.note ?? `not in this onnxruntime-node build (${facts.platform})`}`);
    return { available, chosen: 'cpu', reason: `${describePin(effectivePin)}, but it cannot load here (${why.join('; ')}); using cpu`, pinned: effectivePin };
  }

  for (const pref of PREFERENCE) {
    if (pref.platforms.includes(facts.platform) && usable(pref.name)) {
      return { available, chosen: pref.name, reason: `${pref.name} is the best provider available on ${facts.platform}; cpu is the fallback`, pinned: null };
    }
  }
  const missed = PREFERENCE.filter((p) => p.platforms.includes(facts.platform)).map((p) => {
    const s = available.find((a) => a.name === p.name);
    return s ? `${p.name}: ${s.note}` : `${p.name}: not in this onnxruntime-node build`;
  });
  return { available, chosen: 'cpu', reason: `no GPU provider is usable on ${facts.platform}${missed.length ? ` (${missed.join('; ')})` : ''}`, pinned: null };
}

/** Provider libraries onnxruntime-node downloads apart from the package (see its script/install-metadata.js). */
const PROVIDER_LIBRARIES: Record<string, string[]> = {
  cuda: ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'],
  tensorrt: ['libonnxruntime_providers_tensorrt.so', 'libonnxruntime_providers_shared.so'],
};

/** Where onnxruntime-node keeps its native files for this platform, or null when it cannot be found. */
export function ortBinaryDir(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    // A packaged app unpacks native files next to the archive.
    return join(dirname(pkg), 'bin', 'napi-v6', platform, arch).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  } catch {
    return null;
  }
}

/** This machine's facts: onnxruntime-node's list, and which downloadable provider libraries are present. */
export async function providerFacts(): Promise<ProviderFacts> {
  const ort = await import('onnxruntime-node');
  const listed = ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
  const dir = ortBinaryDir();
  const installed = dir ? Object.entries(PROVIDER_LIBRARIES).filter(([, libs]) => libs.every((l) => existsSync(join(dir, l)))).map(([name]) => name) : [];
  return { platform: process.platform, listed, installed };
}

/** The choice on this machine for a pin (the setting's or --provider's). */
export async function resolveProvider(pin: ProviderPin | null = null): Promise<ProviderChoice> {
  return chooseProvider(await providerFacts(), pin);
}

/** A pin from the `engine.provider` setting ('auto' is none) and `--provider` values (which win). */
export function pinOf(setting: string | undefined, option: string[] | undefined): ProviderPin | null {
  if (option?.length) return { providers: option, source: 'option' };
  if (setting && setting !== 'auto') return { providers: [setting], source: 'setting' };
  return null;
}

/**
 * What a job run in another process is given for the `engine.provider` setting: the chosen
 * provider (cpu is the fallback), and, when a pin cannot load here, a short note saying so.
 */
export async function providersForSetting(setting: string | undefined): Promise<{ providers: string[]; note?: string }> {
  const choice = await resolveProvider(pinOf(setting, undefined));
  const unusable = choice.pinned && !choice.pinned.providers.includes(choice.chosen);
  return { providers: [choice.chosen], ...(unusable ? { note: `${choice.pinned!.providers.join(', ')} pinned, not usable here` } : {}) };
}
