/**
 * Waiting on a cross-validation group's progress events, as the cv call tests collect them:
 * a named wait that fails with what it waited for, and the end (phase done) of a group.
 */
import type { GroupProgress } from '../../../src/shared/contract/run-groups.js';

/** Resolves once `ok()` holds; rejects naming `what` after `timeoutMs`, so a hang says what hung. */
export function waitFor(what: string, ok: () => boolean, timeoutMs = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not in ${timeoutMs} ms`)), timeoutMs);
    const poll = setInterval(() => {
      if (!ok()) return;
      clearTimeout(timer);
      clearInterval(poll);
      resolve();
    }, 20);
  });
}

/** `ended(groupId, nth)`: the `nth` end of a group among `progress` (a resumed group ends twice). */
export function groupEnds(progress: GroupProgress[]) {
  return async function ended(groupId: number, nth = 1): Promise<GroupProgress> {
    const ends = () => progress.filter((e) => e.groupId === groupId && e.phase === 'done');
    await waitFor(`group ${groupId} ended ${nth} time(s)`, () => ends().length >= nth);
    return ends()[nth - 1]!;
  };
}
