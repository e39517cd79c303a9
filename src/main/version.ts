import { packageRoot } from './package-root.js';

/** package.json's version (0.0.0 when the package cannot be found, as in a bare bundle). */
export function appVersion(): string {
  return packageRoot()?.version ?? '0.0.0';
}
