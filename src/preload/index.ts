/**
 * Exposes the contract as window.tessella and nothing else. Runs sandboxed: only `electron`'s
 * contextBridge and ipcRenderer are used, and only call names the contract declares pass.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { callNames, eventNames, type CallName, type EventName } from '../shared/api';
import { IPC_CALL, IPC_EVENT } from '../shared/ipc';

const knownCalls = new Set<string>(callNames);
const knownEvents = new Set<string>(eventNames);

type Reply = { ok: true; value: unknown } | { ok: false; error: { error: string; code: string } };

contextBridge.exposeInMainWorld('tessella', {
  resourceBase: 'tessella://r/',
  async call(name: CallName, input: unknown) {
    if (!knownCalls.has(name)) throw new Error(`unknown call "${name}"`);
    const reply = (await ipcRenderer.invoke(IPC_CALL, name, input)) as Reply;
    if (reply.ok) return reply.value;
    const err = new Error(reply.error.error) as Error & { code?: string };
    err.code = reply.error.code;
    throw err;
  },
  on(name: EventName, listener: (payload: unknown) => void) {
    if (!knownEvents.has(name)) throw new Error(`unknown event "${name}"`);
    const wrapped = (_e: IpcRendererEvent, event: string, payload: unknown) => {
      if (event === name) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT, wrapped);
    return () => ipcRenderer.off(IPC_EVENT, wrapped);
  },
});
