#!/usr/bin/env node
// Puts OpenSlide's shared library (an openslide-bin release) into resources/openslide/<platform>-<arch>/
// for the installers: electron-builder copies that folder beside the app (extraResources) and
// src/main/slides/openslide.ts looks there before the system library. Run by `npm run dist`, never
// at `npm install`. Linux installers use the distribution's libopenslide, so nothing is fetched there
// unless a target is named.
//
//   node scripts/fetch-openslide.mjs                 targets of this machine's installers
//   node scripts/fetch-openslide.mjs win32-x64 ...   named targets (see scripts/openslide-bin.json)
//   node scripts/fetch-openslide.mjs --pin ...       download, print and record the archives' sha256
//                                                    in openslide-bin.json (a maintainer, then commit)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = join(root, 'scripts', 'openslide-bin.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const fill = (s) => s.replaceAll('{version}', manifest.version);
const say = (line) => process.stderr.write(`fetch-openslide: ${line}\n`);

function fail(line) {
  say(line);
  process.exit(1);
}

function defaultTargets() {
  if (process.platform === 'darwin') return ['darwin-arm64', 'darwin-x64'];
  if (process.platform === 'win32') return [`win32-${process.arch}`];
  return [];
}

async function download(url) {
  const r = await fetch(url, { redirect: 'follow' });
  if (!r.ok) fail(`${url}: HTTP ${r.status}`);
  return Buffer.from(await r.arrayBuffer());
}

function extract(archive, into) {
  // bsdtar (macOS, Windows 10+) reads zip and tar.xz; GNU tar on Linux needs unzip for a zip.
  const zip = archive.endsWith('.zip');
  const [cmd, args] = zip && process.platform === 'linux' ? ['unzip', ['-q', archive, '-d', into]] : ['tar', ['-xf', archive, '-C', into]];
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) fail(`could not extract ${archive} with ${cmd}: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`);
  // Each archive holds one folder named like the archive.
  const [top] = readdirSync(into);
  return join(into, top);
}

function versionIn(dir) {
  const file = join(dir, '.version');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

const args = process.argv.slice(2);
const pin = args.includes('--pin');
const targets = args.filter((a) => !a.startsWith('--'));
const wanted = targets.length ? targets : defaultTargets();
if (wanted.length === 0) {
  say(`nothing to bundle for ${process.platform} (the system's libopenslide is used)`);
  process.exit(0);
}
for (const t of wanted) if (!manifest.targets[t]) fail(`unknown target ${t} (known: ${Object.keys(manifest.targets).join(', ')})`);

const work = mkdtempSync(join(tmpdir(), 'tessella-openslide-'));
try {
  const extracted = new Map();
  let pinned = false;
  for (const target of wanted) {
    const { archive: key, library } = manifest.targets[target];
    const dest = join(root, 'resources', 'openslide', target);
    if (!pin && existsSync(join(dest, library)) && versionIn(dest) === manifest.version) {
      say(`${target}: OpenSlide ${manifest.version} already in ${dest}`);
      continue;
    }
    if (!extracted.has(key)) {
      const entry = manifest.archives[key];
      const file = fill(entry.file);
      if (!entry.sha256 && !pin) fail(`no sha256 pinned for ${file} in scripts/openslide-bin.json; a maintainer runs \`node scripts/fetch-openslide.mjs --pin ${target}\` on a networked machine and commits the result`);
      const url = fill(manifest.release).replaceAll('{file}', file);
      say(`downloading ${url}`);
      const body = await download(url);
      const sha256 = createHash('sha256').update(body).digest('hex');
      if (pin) {
        if (entry.sha256 && entry.sha256 !== sha256) fail(`${file}: sha256 ${sha256} differs from the pinned ${entry.sha256}; not re-pinned`);
        entry.sha256 = sha256;
        pinned = true;
        say(`${file}: sha256 ${sha256}`);
      } else if (sha256 !== entry.sha256) {
        fail(`${file}: sha256 ${sha256} does not match the pinned ${entry.sha256}; refusing it`);
      }
      const archivePath = join(work, file);
      writeFileSync(archivePath, body);
      const into = join(work, key);
      mkdirSync(into);
      extracted.set(key, extract(archivePath, into));
    }
    const from = extracted.get(key);
    if (!existsSync(join(from, library))) fail(`${fill(manifest.archives[key].file)} has no ${library}`);
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    // The library with its licence files (OpenSlide is LGPL-2.1: its notices ship with it).
    cpSync(from, dest, { recursive: true });
    writeFileSync(join(dest, '.version'), `${manifest.version}\n`);
    say(`${target}: OpenSlide ${manifest.version} in ${dest}`);
  }
  if (pinned) writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
