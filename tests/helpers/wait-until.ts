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
