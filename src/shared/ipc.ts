/** IPC channel names shared by the Electron main process and the preload bridge. */
export const IPC_CALL = 'tessella:call';
export const IPC_EVENT = 'tessella:event';
