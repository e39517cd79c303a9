/**
 * Ctrl-C during `tessella model pull`: the stand-in Hub stalls the weights after a few bytes, the
 * command gets SIGINT mid-download, and it ends with exit 130 and one line after the licence
 * line, nothing on stdout, and no model registered (a new pull resumes the part fetched).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tessellaAsync, type CliResult } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/shared-data.js';
import { waitUntil } from '../../helpers/wait-until.js';
import { needs } from '../../helpers/needs.js';
import { hubCliFile, VIT, DINOV2 } from './hub-fixtures.js';

const file = hubCliFile('tessella-hub-sigint-');
const { env } = file;

describe('Ctrl-C during tessella model pull', needs(VIT, DINOV2), () => {
  it('stops the download with exit 130 and one line, registering nothing', async () => {
    file.hub.stallOnce('model.safetensors', 64);
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'tessella.mjs'), 'model', 'pull', 'owkin/phikon', '--json'], { cwd: repoRoot, env: { ...process.env, ...env() } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : -2))));
    const stalled = () => file.hub.requests({ method: 'GET', pathIncludes: 'model.safetensors' }).some((l) => l.server === 'cdn');
    try {
      await waitUntil(stalled, 120_000);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    child.kill('SIGINT');
    const code = await closed;
    expect(code, stderr).toBe(130);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2); // the licence line, then the one line saying it stopped
    expect(lines[1]).toMatch(/^tessella: download of model\.safetensors cancelled; /);

    const list: CliResult = await tessellaAsync(['model', 'list', '--json'], env());
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).models.map((m: { name: string }) => m.name)).not.toContain('owkin/phikon');
  }, 180_000);
});
