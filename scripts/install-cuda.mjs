#!/usr/bin/env node
// Fetches onnxruntime's CUDA execution provider (Linux x64, CUDA 12) into node_modules/onnxruntime-node,
// which `tessella engine` then lists as usable and the provider choice prefers. Run by `npm run cuda`, and
// by `npm install` when TESSELLA_CUDA=1 (scripts/postinstall.mjs). A plain `npm install` never downloads
// it: .npmrc sets onnxruntime-node-install=skip so installs stay offline-safe. onnxruntime-node's own
// installer does the download (from NuGet, Microsoft.ML.OnnxRuntime.Gpu.Linux); its ONNXRUNTIME_NODE_INSTALL
// variable wins over the .npmrc setting, and `cuda12` names the manifest it installs.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`tessella: ${line}\n`);

export function installCuda() {
  if (`${process.platform}/${process.arch}` !== 'linux/x64') {
    return { ok: false, why: `the CUDA provider exists for Linux x64 only (this is ${process.platform}/${process.arch}; Windows has DirectML and macOS CoreML built in)` };
  }
  let dir;
  try {
    dir = dirname(createRequire(join(root, 'package.json')).resolve('onnxruntime-node/package.json'));
  } catch {
    return { ok: false, why: 'onnxruntime-node is not installed' };
  }
  const r = spawnSync(process.execPath, [join(dir, 'script', 'install.js')], {
    cwd: dir,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 900_000,
  });
  return r.status === 0 ? { ok: true } : { ok: false, why: r.error ? r.error.message : `onnxruntime-node's installer exited with ${r.status}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = installCuda();
  if (r.ok) say('the CUDA provider is installed; `tessella engine` shows whether it is chosen (it needs the CUDA 12 runtime and cuDNN 9)');
  else say(`the CUDA provider was not installed: ${r.why}`);
  process.exit(r.ok ? 0 : 1);
}
