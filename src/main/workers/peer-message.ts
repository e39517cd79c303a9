/**
 * Messages to a peer that may already be gone: a child process that is exiting, or a parent that
 * died. A send must never throw nor leave an unhandled 'error' event behind (an uncaught
 * `write EPIPE` takes the whole process down); the caller learns whether the message went out
 * and watches the peer's 'exit' for what its going means. Every IPC send in src/main goes
 * through sendIpc.
 *
 * worker_threads need no guard: postMessage to an exited worker or a closed port is dropped
 * without an error; their owners watch 'error' and 'exit' instead.
 */
import type { Serializable } from 'node:child_process';

/** A child process seen from its parent, or `process` seen from a forked child. */
export interface IpcPeer {
  readonly connected: boolean;
  send?(message: Serializable, sendHandle: undefined, options: object, callback: (error: Error | null) => void): boolean;
}

/** Sends over an IPC channel; resolves false when the peer is gone or the write failed. */
export function sendIpc(peer: IpcPeer, message: Serializable): Promise<boolean> {
  return new Promise((resolve) => {
    if (!peer.send || !peer.connected) return resolve(false);
    try {
      // With a callback, a failed write (EPIPE, a closed channel) is handed to it, not emitted as 'error'.
      peer.send(message, undefined, {}, (error) => resolve(error === null || error === undefined));
    } catch {
      resolve(false);
    }
  });
}
