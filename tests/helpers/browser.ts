/**
 * End-to-end tests drive Debian's Chromium with playwright-core against browser mode
 * (`tessella serve`), started as a user would start it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './shared-data.js';

export const CHROMIUM = process.env.TESSELLA_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[skip] no Chromium at ${CHROMIUM} (apt-get install chromium); end-to-end tests are skipped`);

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `tessella serve --port 0 --json` in a child process; resolves once it printed its URL. */
export function startServe(home: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'tessella.mjs'), 'serve', '--port', '0', '--json'], {
    cwd: repoRoot,
    env: { ...process.env, TESSELLA_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    child.stdout!.on('data', (c) => {
      out += c;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        const { url, port } = JSON.parse(line);
        resolve({
          url,
          port,
          child,
          stop: () =>
            new Promise<void>((r) => {
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`tessella serve exited with ${code}: ${err}`)));
  });
}
