/**
 * Resolves once `pred()` holds, checked every 100 ms; rejects after `timeoutMs` so a hang fails
 * the test with a message instead of the runner's timeout. For plain waits outside expect.poll.
 */
export function waitUntil(pred: () => boolean, timeoutMs = 120_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const tick = setInterval(() => {
      if (pred()) clearInterval(tick), resolve();
      else if (Date.now() - t0 > timeoutMs) clearInterval(tick), reject(new Error('timed out'));
    }, 100);
  });
}

/**
 * Resolves with the first value `probe()` gives other than null or undefined, probing every 20 ms;
 * rejects naming `what` after `timeoutMs`. For waits on a row or a file (a run's end, a step counted).
 */
export async function until<T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs = 300_000): Promise<T> {
  for (const end = Date.now() + timeoutMs; ; ) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
