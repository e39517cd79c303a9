/**
 * What bench/slide.ts checks and computes about each round of slide inference, kept apart from
 * the bench (no engine, no slide) so that it can be tested.
 */

/** What a round of `analysisService.analyze` reports about where its tiles came from. */
export interface RoundTiles {
  tiles: number;
  cancelled: boolean;
  /** Classified from stored backbone embeddings, with the head alone (no engine). */
  tilesReused?: number;
  /** Run through the engine. */
  tilesEmbedded?: number;
  /** A completed analysis returned as stored. */
  reused?: boolean;
}

/**
 * Tiles the engine classified in a round, which must be every tissue tile: a round that took
 * results from anywhere else (a completed analysis, stored embeddings) would report a rate the
 * engine never reached, so it throws.
 */
export function tilesSentToEngine(run: RoundTiles, tissueTiles: number | undefined): number {
  const sent = run.tilesEmbedded ?? run.tiles;
  const fromStore = run.tilesReused ?? 0;
  if (run.reused || run.cancelled || fromStore > 0 || sent !== tissueTiles) {
    throw new Error(
      `the round did not classify every tissue tile with the engine: ${sent} sent to it, ${fromStore} from stored embeddings, ${tissueTiles ?? '?'} tissue tiles${run.reused ? ', a completed analysis returned as stored' : ''}${run.cancelled ? ', the run ended early' : ''}`,
    );
  }
  return sent;
}

/** A run's stored-tile count over time, with the process's CPU time then (process.cpuUsage()). */
export interface TileEvent {
  at: number;
  done: number;
  cpu: { user: number; system: number };
}

/**
 * Rate between the first and the last batch stored, and the process's CPU milliseconds per tile
 * meanwhile (every thread: readers, the session worker, SQLite). Leaves out what comes before the
 * first batch (engine load, onnxruntime's slower first run), as the bare figure leaves out its
 * warm-up run.
 */
export function steadyRate(events: TileEvent[]): { tilesPerSecond: number; cpuMsPerTile: number } {
  if (events.length < 2) return { tilesPerSecond: 0, cpuMsPerTile: 0 };
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const n = last.done - first.done;
  const cpuMs = (c: TileEvent['cpu']) => (c.user + c.system) / 1000;
  return {
    tilesPerSecond: n > 0 && last.at > first.at ? n / ((last.at - first.at) / 1000) : 0,
    cpuMsPerTile: n > 0 ? (cpuMs(last.cpu) - cpuMs(first.cpu)) / n : 0,
  };
}
