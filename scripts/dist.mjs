#!/usr/bin/env node
// `npm run dist`: installers for this machine's system (AppImage + .deb on Linux, .dmg for arm64
// and x64 on macOS, NSIS on Windows) in dist/. electron-builder is run through npx at a pinned
// version rather than installed with the project: it is large and only installer builds need it.
// Extra arguments go to electron-builder (e.g. `npm run dist -- --linux dir` for an unpacked app).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ELECTRON_BUILDER = 'electron-builder@26.18.1';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const win = process.platform === 'win32';

// electron-builder rebuilds native modules for Electron in place (npmRebuild); only better-sqlite3
// is compiled per ABI, so its Node build is put back afterwards, or the CLI and tests would break.
const nodeBuild = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const saved = join(root, 'node_modules', '.tessella-dist', 'better_sqlite3.node');

function restoreNodeBuild() {
  if (!existsSync(saved)) return;
  mkdirSync(dirname(nodeBuild), { recursive: true });
  copyFileSync(saved, nodeBuild);
  rmSync(dirname(saved), { recursive: true, force: true });
}

function step(what, cmd, args) {
  process.stderr.write(`dist: ${what}\n`);
  // npx is a .cmd on Windows, which only a shell runs.
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: win && cmd === 'npx' });
  if (r.status !== 0) {
    process.stderr.write(`dist: ${what} failed (${r.error ? r.error.message : `exit ${r.status}`})\n`);
    restoreNodeBuild();
    process.exit(r.status || 1);
  }
}

step('building the app (electron-vite build)', process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
step('fetching OpenSlide for the installer', process.execPath, [join(root, 'scripts', 'fetch-openslide.mjs')]);
// Ctrl-C reaches electron-builder too; this script outlives it to put the Node build back.
process.on('SIGINT', () => {});
if (existsSync(nodeBuild)) {
  mkdirSync(dirname(saved), { recursive: true });
  copyFileSync(nodeBuild, saved);
}
step(`packaging with ${ELECTRON_BUILDER}`, 'npx', ['--yes', ELECTRON_BUILDER, '--config', 'electron-builder.yml', '--publish', 'never', ...process.argv.slice(2)]);
restoreNodeBuild();
