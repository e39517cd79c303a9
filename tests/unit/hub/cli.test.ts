/**
 * `tessella model pull` as a user runs it, against the stand-in Hub:
 * the licence line first, one JSON document with --json, one-line errors; then `--model org/name`
 * works with the Hub stopped.
 */
import { describe, expect, it } from 'vitest';
import { tessellaAsync } from '../../helpers/cli.js';
import { FakeHub } from '../../helpers/fake-hub.js';
import { hubCliFile, MAIN, repos, VIT, DINOV2 } from './hub-fixtures.js';
import { needs } from '../../helpers/needs.js';

const file = hubCliFile('tessella-hub-cli-');
const { env } = file;

describe('tessella model pull', needs(VIT, DINOV2), () => {
  it('pulls with the licence line first, registers, and then --model org/name works offline', async () => {
    const r = await tessellaAsync(['model', 'pull', 'owkin/phikon', '--json'], env());
    expect(r.stderr.split('\n')[0]).toBe('Phikon (owkin/phikon): licence Owkin non-commercial licence; not gated');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ id: 'owkin/phikon', revision: 'main', commit: MAIN, present: false, model: { name: 'owkin/phikon', source: { repo: 'owkin/phikon', commit: MAIN } } });
    expect(out.files.map((f: { name: string }) => f.name)).toEqual(['config.json', 'model.safetensors']);

    // the Hub gone: the id resolves from the data home alone
    const endpoint = file.hub.endpoint;
    await file.hub.stop();
    try {
      const info = await tessellaAsync(['model', 'info', 'owkin/phikon', '--json'], { ...env(), HF_ENDPOINT: endpoint });
      expect(info.code, info.stderr).toBe(0);
      const detail = JSON.parse(info.stdout);
      expect(detail).toMatchObject({ model: out.dir, dir: out.dir, arch: 'vit' });
      expect(detail.parameters).toBeGreaterThan(0);
    } finally {
      file.hub = await new FakeHub(repos()).start();
    }
  });

  it('fails in one line for a gated repo, nothing on stdout', async () => {
    const gated = await tessellaAsync(['model', 'pull', 'MahmoodLab/UNI'], env());
    expect(gated.code).not.toBe(0);
    const lines = gated.stderr.trim().split('\n');
    expect(lines).toHaveLength(2); // the licence line, then the error
    expect(lines[1]).toBe(`tessella: MahmoodLab/UNI is gated: accept its licence on ${file.hub.endpoint}/MahmoodLab/UNI and set HF_TOKEN`);
    expect(gated.stdout).toBe('');
  });
});
