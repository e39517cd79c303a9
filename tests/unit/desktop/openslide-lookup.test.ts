/**
 * Where OpenSlide is looked for: the copy an installer bundles (under Electron's resourcesPath),
 * then a source checkout's resources/, then the system's library by name.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openslideBundleDir, openslideCandidates } from '../../../src/main/slides/openslide.js';

const root = mkdtempSync(join(tmpdir(), 'tessella-openslide-lookup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function bundle(resources: string, platform: string, arch: string, sub: string, name: string): string {
  const dir = join(openslideBundleDir(resources, platform, arch), sub);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, 'not really a library');
  return file;
}

describe('OpenSlide lookup order', () => {
  it('tries the installer bundle, then the checkout bundle, then the system names', () => {
    const installed = join(root, 'installed');
    const checkout = join(root, 'checkout');
    const inInstaller = bundle(installed, 'win32', 'x64', 'bin', 'libopenslide-1.dll');
    const inCheckout = bundle(checkout, 'win32', 'x64', 'bin', 'libopenslide-1.dll');
    expect(openslideCandidates('win32', 'x64', [installed, checkout])).toEqual([inInstaller, inCheckout, 'libopenslide-1.dll', 'libopenslide-0.dll']);
  });

  it('uses lib/ for macOS dylibs and the arch of the running process', () => {
    const res = join(root, 'mac');
    const arm = bundle(res, 'darwin', 'arm64', 'lib', 'libopenslide.1.dylib');
    bundle(res, 'darwin', 'x64', 'lib', 'libopenslide.1.dylib');
    const tried = openslideCandidates('darwin', 'arm64', [res]);
    expect(tried[0]).toBe(arm);
    expect(tried.slice(1)).toEqual(['libopenslide.1.dylib', 'libopenslide.dylib', 'libopenslide.0.dylib']);
  });

  it('falls back to the system library by name when nothing is bundled', () => {
    expect(openslideCandidates('linux', 'x64', [join(root, 'nothing-here')])).toEqual(['libopenslide.so.0', 'libopenslide.so.1']);
  });
});
