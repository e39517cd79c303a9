/**
 * The one place a model reference becomes a folder when it names a Hub model: `org/name` is the
 * latest commit pulled, `org/name@rev` the one pulled for that revision. Offline by design: a
 * reference never triggers a download; an existing path or a built-in name wins over a Hub id.
 */
import { existsSync } from 'node:fs';
import { DomainError } from '../../errors.js';
import { isBuiltinName } from '../models/configs.js';
import { modelFolderOf } from '../models/model-folder.js';
import { pulledFolder } from './layout.js';
import { parseHubRef } from './repo-id.js';

/** The pulled folder `ref` names, or null (not Hub-shaped, an existing path, or not pulled). */
export function pulledModelFolder(ref: string, modelsDir: string): string | null {
  if (isBuiltinName(ref) || existsSync(ref)) return null;
  const hub = parseHubRef(ref);
  return hub ? pulledFolder(modelsDir, hub) : null;
}

/**
 * `ref` with a Hub id replaced by its pulled folder and an older run export by its `model/`
 * folder (see model-folder.ts); other references unchanged. A Hub-shaped
 * reference that is neither a path nor pulled is an error saying how to pull it.
 */
export function resolveModelRef(ref: string, modelsDir: string): string {
  if (existsSync(ref)) return modelFolderOf(ref);
  if (isBuiltinName(ref)) return ref;
  const hub = parseHubRef(ref);
  if (!hub) return ref;
  const dir = pulledFolder(modelsDir, hub);
  if (dir) return dir;
  throw notPulled(ref);
}

export function notPulled(ref: string): DomainError {
  const hub = parseHubRef(ref);
  const cmd = hub ? `tessella model pull ${hub.id}${hub.revision ? ` --revision ${hub.revision}` : ''}` : 'tessella model pull';
  return new DomainError('not-found', `${ref}: no such folder, and not pulled from the Hub (run \`${cmd}\`)`, 'hub-not-pulled');
}
