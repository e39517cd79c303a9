/**
 * electron-builder.yml stays in step with what it packages: every native module among package.json's
 * dependencies is unpacked from app.asar, every bundle electron-vite writes (the worker entries
 * included) is in `files`, and the files it names exist or are made by the build / the scripts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import viteConfig from '../../../electron.vite.config.js';
import { repoRoot } from '../../helpers/shared-data.js';

// No YAML parser is a dependency of its own; dependency-cruiser's cosmiconfig brings one.
const requireFromCosmiconfig = createRequire(createRequire(join(repoRoot, 'package.json')).resolve('cosmiconfig'));
const YAML = requireFromCosmiconfig('yaml') as { parse(text: string): any };

// picomatch (vitest's and vite's glob matcher) has no types of its own here.
const picomatch = createRequire(import.meta.url)('picomatch') as (patterns: string[], opts?: { dot?: boolean }) => (path: string) => boolean;

const config = YAML.parse(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const openslideBin = JSON.parse(readFileSync(join(repoRoot, 'scripts', 'openslide-bin.json'), 'utf8'));

/** Whether a folder holds a compiled addon or the sources of one (binding.gyp), a few levels down. */
function hasNativeCode(dir: string, depth = 5): boolean {
  if (depth < 0 || !existsSync(dir)) return false;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && (e.name.endsWith('.node') || e.name === 'binding.gyp')) return true;
    if (e.isDirectory() && e.name !== 'node_modules' && hasNativeCode(join(dir, e.name), depth - 1)) return true;
  }
  return false;
}

const moduleDir = (name: string) => join(repoRoot, 'node_modules', name);

/** A dependency and the installed optional packages that carry its platform binaries (sharp's @img/*). */
function nativeParts(name: string): string[] {
  const dep = JSON.parse(readFileSync(join(moduleDir(name), 'package.json'), 'utf8'));
  const optional = Object.keys(dep.optionalDependencies ?? {}).filter((o) => existsSync(moduleDir(o)) && hasNativeCode(moduleDir(o)));
  return [...(hasNativeCode(moduleDir(name)) ? [name] : []), ...optional];
}

function matcher(patterns: string[]): (path: string) => boolean {
  const include = picomatch(patterns.filter((p) => !p.startsWith('!')), { dot: true });
  const exclude = picomatch(patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)), { dot: true });
  return (path) => include(path) && !exclude(path);
}

describe('electron-builder.yml', () => {
  it('unpacks every native module of the dependencies from app.asar', () => {
    const unpacked = matcher(config.asarUnpack);
    const native = Object.keys(pkg.dependencies).flatMap(nativeParts);
    // The four the desktop app loads natively must be among them, found by looking, not by name.
    expect(native).toEqual(expect.arrayContaining(['better-sqlite3', 'onnxruntime-node', 'sharp', 'koffi']));
    for (const name of native) {
      expect(unpacked(`node_modules/${name}/package.json`), `${name} is not unpacked`).toBe(true);
    }
    expect(unpacked('node_modules/anything/build/Release/addon.node')).toBe(true);
    expect(unpacked('node_modules/zod/package.json')).toBe(false);
  });

  it('packages every bundle electron-vite writes, each worker entry included', () => {
    const packaged = matcher(config.files);
    const mainInputs = Object.keys((viteConfig as any).main.build.rollupOptions.input);
    const workers = mainInputs.filter((n) => n.endsWith('-worker'));
    expect(workers.length).toBeGreaterThanOrEqual(4);
    for (const name of mainInputs) expect(packaged(`out/main/${name}.js`), `out/main/${name}.js`).toBe(true);
    expect(packaged('out/main/chunks/shared-1234.js')).toBe(true);
    expect(packaged('out/preload/index.cjs')).toBe(true);
    expect(packaged('out/renderer/index.html')).toBe(true);
    expect(packaged('package.json')).toBe(true);
    expect(packaged('out/main/index.js.map')).toBe(false);
    // package.json's main is what Electron starts.
    expect(packaged(pkg.main.replace(/^\.\//, ''))).toBe(true);
  });

  it('names files that exist, or that the build and scripts/fetch-openslide.mjs make', () => {
    for (const p of config.files.filter((f: string) => !f.startsWith('!'))) {
      const base = p.split(/[*{]/)[0].replace(/\/$/, '');
      // out/<main|preload|renderer> are electron-vite's outputs, one per section of its config.
      const made = /^out\/(main|preload|renderer)$/.exec(base);
      if (made) expect(viteConfig).toHaveProperty(made[1]);
      else expect(existsSync(join(repoRoot, base)), base).toBe(true);
    }
    for (const key of ['entitlements', 'entitlementsInherit']) expect(statSync(join(repoRoot, config.mac[key])).isFile()).toBe(true);
    expect(config.directories.buildResources).toBe('build');
    // Each installer's OpenSlide folder is a target the fetch script knows, for each arch built.
    const cases: [string, string, string[]][] = [
      ['mac', 'darwin', config.mac.target.flatMap((t: any) => t.arch)],
      ['win', 'win32', config.win.target.flatMap((t: any) => t.arch)],
    ];
    for (const [section, platform, arches] of cases) {
      const from = config[section].extraResources.map((r: any) => r.from) as string[];
      expect(arches.length).toBeGreaterThan(0);
      for (const arch of arches) {
        const target = `${platform}-${arch}`;
        expect(from.map((f) => f.replace('${arch}', arch))).toContain(`resources/openslide/${target}`);
        expect(openslideBin.targets, target).toHaveProperty(target);
      }
    }
  });

  it('builds the installers the README promises', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }]);
    expect(config.win.target.map((t: any) => t.target)).toEqual(['nsis']);
    expect(pkg.scripts.dist).toBe('node scripts/dist.mjs');
    // electron-builder is run through npx, not installed by `npm install`.
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty('electron-builder');
    expect(readFileSync(join(repoRoot, 'scripts', 'dist.mjs'), 'utf8')).toMatch(/'electron-builder@\d+\.\d+\.\d+'/);
  });
});
