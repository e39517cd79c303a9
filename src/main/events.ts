/** In-process bus for the contract's events; each host forwards them its own way (IPC, SSE). */
import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../shared/api.js';

export class EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    this.emitter.emit('event', name, payload);
  }

  /** Every event, for hosts that forward them all; returns an unsubscribe function. */
  onAny(listener: (name: EventName, payload: unknown) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
