/** HF_ENDPOINT and the token, read as huggingface_hub reads them. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hubSettings, hubToken } from '../../../src/main/ml/hub/settings.js';
import { parseHubRef } from '../../../src/main/ml/hub/repo-id.js';
import { tempHome } from '../../helpers/temp-home.js';

const home = tempHome('tessella-hf-');
afterAll(() => home.cleanup());

describe('Hub settings', () => {
  it('takes HF_TOKEN first, then HUGGING_FACE_HUB_TOKEN, then $HF_HOME/token, cleaned of blanks and newlines', () => {
    const hfHome = join(home.dir, 'hf');
    mkdirSync(hfHome, { recursive: true });
    writeFileSync(join(hfHome, 'token'), '  hf_from_file\r\n');
    expect(hubToken({ HF_HOME: hfHome })).toBe('hf_from_file');
    expect(hubToken({ HF_HOME: hfHome, HUGGING_FACE_HUB_TOKEN: 'hf_legacy\n' })).toBe('hf_legacy');
    expect(hubToken({ HF_HOME: hfHome, HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_legacy' })).toBe('hf_env');
    // an empty variable is no token: the file is read
    expect(hubToken({ HF_HOME: hfHome, HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '' })).toBe('hf_from_file');
    expect(hubToken({ HF_HOME: join(home.dir, 'nothing-here') })).toBeNull();
    // without HF_HOME: $XDG_CACHE_HOME/huggingface/token; HF_TOKEN_PATH names the file outright
    mkdirSync(join(home.dir, 'xdg', 'huggingface'), { recursive: true });
    writeFileSync(join(home.dir, 'xdg', 'huggingface', 'token'), 'hf_xdg\n');
    expect(hubToken({ XDG_CACHE_HOME: join(home.dir, 'xdg') })).toBe('hf_xdg');
    expect(hubToken({ HF_HOME: hfHome, HF_TOKEN_PATH: join(home.dir, 'xdg', 'huggingface', 'token') })).toBe('hf_xdg');
  });

  it('reads HF_ENDPOINT without its trailing slash, huggingface.co by default', () => {
    expect(hubSettings({ HF_HOME: join(home.dir, 'none') })).toEqual({ endpoint: 'https://huggingface.co', token: null });
    expect(hubSettings({ HF_ENDPOINT: 'http://127.0.0.1:8080/', HF_HOME: join(home.dir, 'none') }).endpoint).toBe('http://127.0.0.1:8080');
  });

  it('parses org/name[@rev] and refuses what the Hub would not name a repo', () => {
    expect(parseHubRef('MahmoodLab/UNI2-h')).toEqual({ id: 'MahmoodLab/UNI2-h' });
    expect(parseHubRef('1aurent/vit_small_patch8_224.lunit_dino@main')).toEqual({ id: '1aurent/vit_small_patch8_224.lunit_dino', revision: 'main' });
    expect(parseHubRef('owkin/phikon@refs/pr/3')).toEqual({ id: 'owkin/phikon', revision: 'refs/pr/3' });
    for (const bad of ['phikon', 'a/b/c', './weights', '../x/y', 'a--b/c', 'a/.b', 'a/b@', 'a/b@../x', '/abs/path']) expect(parseHubRef(bad), bad).toBeNull();
  });
});
