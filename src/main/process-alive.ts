import { readFileSync } from 'node:fs';

/** /proc/<pid>/<name>, or null where there is no such file (another OS, or the process is gone). */
export function procFile(pid: number, name: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return null;
  }
}

/**
 * True while a process with this pid exists and is not a zombie waiting to be reaped: the test of
 * whether work recorded as running (an analysis, a training run, a report) still has an owner.
 */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false; // EPERM: exists, belongs to another user
  }
  const stat = procFile(pid, 'stat');
  // /proc/<pid>/stat: "pid (comm) S ..." where S is the state; Z = exited, not yet reaped
  const state = stat ? /\)\s+(\S)/.exec(stat)?.[1] : null;
  return state !== 'Z' && state !== 'X';
}
