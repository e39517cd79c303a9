#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is present, else a clear pointer to browser mode.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
let hasBinary = false;
try {
  hasBinary = existsSync(join(dirname(require.resolve('electron/package.json')), 'path.txt'));
} catch {}
if (!hasBinary) {
  console.error('tessella: the Electron desktop shell is not installed here (its download failed or was skipped). Run `npm run serve` to use Tessella in your browser.');
  process.exit(1);
}
const bin = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
const child = spawn(process.execPath, [bin, 'preview'], { cwd: root, stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
