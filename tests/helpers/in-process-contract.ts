/**
 * The contract called in this process, input validation included: an app context in a throwaway
 * home with every handler, made before the file's tests and closed after them.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createAppContext, type AppContext } from '../../src/main/app-context.js';
import { dispatch } from '../../src/main/dispatch.js';
import { createHandlers } from '../../src/main/handlers.js';
import type { CallName, CallOutput, Handlers } from '../../src/shared/api.js';
import { tempHome } from './temp-home.js';

export function inProcessContract(prefix: string) {
  const home = tempHome(prefix);
  let ctx: AppContext | undefined;
  let handlers: Handlers | undefined;
  beforeAll(() => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    handlers = createHandlers(ctx);
  });
  afterAll(() => {
    ctx?.close();
    home.cleanup();
  });
  return {
    /** The temp folder; the data home is its `home/` subfolder. */
    dir: home.dir,
    get ctx(): AppContext {
      if (!ctx) throw new Error('the app context exists only while the tests run');
      return ctx;
    },
    call: <K extends CallName>(name: K, input: unknown) => dispatch(handlers!, name, input) as Promise<CallOutput<K>>,
  };
}
