/**
 * A turn of the event loop for long loops whose awaits all resolve at once (training over images
 * already decoded in memory, features already computed): without one, an IPC message, a signal
 * or a timer queued meanwhile waits for the loop to end, so a cancel lands an epoch late.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
