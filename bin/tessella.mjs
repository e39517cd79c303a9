#!/usr/bin/env node
// The `tessella` command. It runs the bundle the build (npm install's postinstall, npm run build)
// writes to out/main/cli.js when that is newer than every source file; otherwise (a checkout
// being edited, or TESSELLA_FROM_SOURCE=1) it runs src/main/cli/main.ts through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'out', 'main', 'cli.js');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function bundleIsCurrent() {
  if (process.env.TESSELLA_FROM_SOURCE === '1' || !existsSync(bundle)) return false;
  const src = join(root, 'src');
  return !existsSync(src) || statSync(bundle).mtimeMs >= Math.max(newestSource(join(src, 'main')), newestSource(join(src, 'shared')));
}

let main;
if (bundleIsCurrent()) ({ main } = await import(pathToFileURL(bundle).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main/cli/main.ts'));
}
const code = await main(process.argv.slice(2));
// Native readers may keep idle threads alive; once the output is flushed the command is done.
process.stdout.write('', () => process.exit(code));
