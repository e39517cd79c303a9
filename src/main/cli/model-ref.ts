/**
 * The one way a CLI `--model` (and `model info DIR`) becomes what the services load: a checkpoint
 * folder (an older run export standing for its model/ folder), a built-in architecture, a pulled
 * Hub id, or a registered model's name. Only the last opens the database, keeping plain
 * `predict` quick to start.
 */
import { existsSync } from 'node:fs';
import type { AppContext } from '../app-context.js';
import { defaultHome, homeLayout } from '../home.js';
import { notPulled, resolveModelRef } from '../ml/hub/resolve.js';
import { parseHubRef } from '../ml/hub/repo-id.js';
import { onnxCacheDir } from '../ml/model-cache.js';
import { BUILTIN_CONFIGS, isBuiltinName } from '../ml/models/configs.js';
import { modelFolderOf } from '../ml/models/model-folder.js';
import { CliError } from './command.js';

export const BUILTINS = Object.keys(BUILTIN_CONFIGS).join(', ');

export const MODEL_OPTION = {
  type: 'string',
  description: `checkpoint folder (a run export too), built-in architecture (${BUILTINS}), registered model name or pulled Hub id (org/name[@rev])`,
} as const;

export async function resolveCliModel(ref: string | undefined, app: () => Promise<AppContext>): Promise<string> {
  if (!ref) throw new CliError(`--model is required: a checkpoint folder, registered model name or one of ${BUILTINS}`, 2);
  if (existsSync(ref) || isBuiltinName(ref)) return resolveModelRef(ref, homeLayout(defaultHome()).models);
  const hub = parseHubRef(ref);
  // A Hub id pulled before: found on disk, no database and no network.
  if (hub) {
    try {
      return resolveModelRef(ref, homeLayout(defaultHome()).models);
    } catch {
      // not pulled: perhaps a registered model happens to be named like a Hub id
    }
  }
  const { ModelRegistry } = await import('../models/registry.js');
  const ctx = await app();
  const m = new ModelRegistry(ctx.db, onnxCacheDir(ctx.home.root)).byName(ref);
  if (m) return isBuiltinName(m.dir) && !existsSync(m.dir) ? m.dir : modelFolderOf(m.dir);
  if (hub) throw notPulled(ref);
  throw new CliError(`${ref}: no such checkpoint folder, built-in architecture (${BUILTINS}) or registered model (see \`tessella model list\`)`);
}
