#!/usr/bin/env node
// After `npm install`: fetch the Electron binary and an Electron-ABI better-sqlite3 when the network
// allows (electron's own install script is disabled in package.json because, offline, its failure
// rolls back the whole install), then build the UI so `npm run serve` and `npx tessella` work at once.
// Nothing here may fail the install.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCuda } from './install-cuda.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const say = (line) => process.stdout.write(`tessella: ${line}\n`);

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 180_000, ...opts });
}

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

function fetchElectron() {
  const dir = electronDir();
  if (!dir) return { ok: false, why: 'the electron package is not installed' };
  if (existsSync(join(dir, 'path.txt'))) return { ok: true };
  if (process.env.TESSELLA_SKIP_ELECTRON === '1') return { ok: false, why: 'TESSELLA_SKIP_ELECTRON=1' };
  const r = run(process.execPath, [join(dir, 'install.js')], { cwd: dir, timeout: 300_000 });
  if (r.status === 0 && existsSync(join(dir, 'path.txt'))) return { ok: true };
  // The script prints a stack; the line naming the error is the useful one.
  const lines = `${r.stderr || ''}\n${r.stdout || ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo/i.test(l) && !l.startsWith('at ')) ?? (r.error ? String(r.error.message) : 'download failed');
  return { ok: false, why: why.slice(0, 160) };
}

// better-sqlite3 compiled for Electron's ABI, kept beside (not over) the Node build the CLI uses.
function electronSqlite() {
  const out = join(root, 'node_modules', '.tessella-electron', 'better_sqlite3.node');
  if (existsSync(out)) return true;
  const dir = electronDir();
  if (!dir) return false;
  const electronVersion = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  const src = dirname(require.resolve('better-sqlite3/package.json'));
  const work = mkdtempSync(join(tmpdir(), 'tessella-bsql-'));
  try {
    cpSync(src, work, { recursive: true, filter: (p) => !p.includes(`${join(src, 'build')}`) });
    const prebuild = require.resolve('prebuild-install/bin.js');
    const r = run(process.execPath, [prebuild, '--runtime', 'electron', '--target', electronVersion], { cwd: work });
    const built = join(work, 'build', 'Release', 'better_sqlite3.node');
    if (r.status !== 0 || !existsSync(built)) return false;
    mkdirSync(dirname(out), { recursive: true });
    cpSync(built, out);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function buildUi() {
  const bin = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  if (!existsSync(bin)) return { ok: false, why: 'electron-vite is not installed (production install?)' };
  const r = run(process.execPath, [bin, 'build']);
  return r.status === 0 ? { ok: true } : { ok: false, why: `${r.stderr}`.trim().split('\n').slice(-2).join(' ') };
}

const electron = fetchElectron();
if (electron.ok) {
  if (!electronSqlite()) say('no Electron build of better-sqlite3 could be fetched; `npm start` will try the Node one');
} else {
  say(`desktop shell unavailable (Electron could not be downloaded: ${electron.why}); \`npm run serve\` opens Tessella in your browser`);
}
// Opt-in only: the CUDA provider is a large download from NuGet (scripts/install-cuda.mjs).
if (process.env.TESSELLA_CUDA === '1') {
  const cuda = installCuda();
  say(cuda.ok ? 'the onnxruntime CUDA provider is installed' : `the onnxruntime CUDA provider was not installed: ${cuda.why}`);
}
const ui = buildUi();
if (!ui.ok) say(`the UI was not built now (${ui.why}); it is built on first \`npm run serve\``);
