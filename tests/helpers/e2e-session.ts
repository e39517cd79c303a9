/**
 * The preamble most e2e describe blocks share: a temp home, `tessella serve` on it and Chromium
 * with one page started in beforeAll and stopped in afterAll, a contract call over HTTP, and the
 * choice of an MUI select's option. Call it first in the describe: vitest runs before-hooks in
 * the order they are registered, so the file's own beforeAll already finds the session started.
 */
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { apiCall, endSession, startSession, type E2eSession, type ServeProcess } from './browser.js';
import { tempHome } from './temp-home.js';

export interface DescribeSession {
  home: { dir: string; cleanup(): void };
  /** The session's parts, there from the first beforeAll on. */
  readonly serve: ServeProcess;
  readonly browser: Browser;
  readonly page: Page;
  /** A contract call over HTTP with the session token. */
  call<T = any>(name: string, input: unknown): Promise<T>;
  /** Opens the MUI select `testId` and clicks its option whose value is `value`. */
  choose(testId: string, value: string): Promise<void>;
}

export function e2eSession(homePrefix: string, pageOptions: BrowserContextOptions): DescribeSession {
  const home = tempHome(homePrefix);
  let session: E2eSession | undefined;
  const started = (): E2eSession => {
    if (!session) throw new Error('the e2e session is not started: use it in a hook or test of its describe');
    return session;
  };
  beforeAll(async () => {
    session = await startSession(home.dir, pageOptions);
  });
  afterAll(() => endSession(session?.browser, session?.serve, home));
  return {
    home,
    get serve() {
      return started().serve;
    },
    get browser() {
      return started().browser;
    },
    get page() {
      return started().page;
    },
    call: (name, input) => apiCall(started().serve, name, input),
    async choose(testId, value) {
      const { page } = started();
      await page.getByTestId(testId).click();
      await page.locator(`li[data-value="${value}"]`).click();
    },
  };
}
