import { EventEmitter } from 'node:events';
import type { EventBus } from '../../src/application/ports/misc.js';

/** Fan-out inside one process. The PostgreSQL bus wraps this and adds LISTEN/NOTIFY across instances. */
export class LocalEventBus implements EventBus {
  private readonly em = new EventEmitter();
  constructor() {
    this.em.setMaxListeners(0);
  }
  publish(topic: string, payload: unknown): void {
    this.em.emit(topic, payload);
  }
  subscribe(topic: string, fn: (payload: unknown) => void): () => void {
    this.em.on(topic, fn);
    return () => this.em.off(topic, fn);
  }
  /** In one process nothing is ever missed. */
  onMissedEvents(): () => void {
    return () => undefined;
  }
  linkState(): string {
    return 'local';
  }
}
