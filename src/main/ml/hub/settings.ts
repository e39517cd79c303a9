/**
 * Where the Hub is and who we are to it, read from the environment the way huggingface_hub
 * reads it, so a machine already set up for Python (`huggingface-cli login`, HF_TOKEN in a job
 * script, a mirror in HF_ENDPOINT) works here unchanged.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubSettings {
  /** No trailing slash. */
  endpoint: string;
  token: string | null;
}

/** huggingface_hub strips CR/LF and surrounding blanks, and treats an empty token as none. */
function cleanToken(t: string | undefined | null): string | null {
  if (t === undefined || t === null) return null;
  return t.replace(/[\r\n]/g, '').trim() || null;
}

/** HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HOME) return env.HF_HOME;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
}

/** HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the token file `huggingface-cli login` writes. */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = cleanToken(env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN);
  if (fromEnv) return fromEnv;
  try {
    return cleanToken(readFileSync(env.HF_TOKEN_PATH || join(hfHome(env), 'token'), 'utf8'));
  } catch {
    return null;
  }
}

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  return { endpoint: (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, ''), token: hubToken(env) };
}
