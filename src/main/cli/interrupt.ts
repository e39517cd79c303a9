/**
 * Ctrl-C during a long command aborts its work through an AbortSignal, so the service stops
 * between steps and leaves what it wrote whole, instead of the process dying mid-write.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** Gives SIGINT back to its default; call it in a finally. */
  release(): void;
}

export function abortOnSigint(): Interrupt {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  return { signal: abort.signal, release: () => process.off('SIGINT', onSigint) };
}
