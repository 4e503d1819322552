import { EventEmitter } from 'node:events';
import type { EventBus, EventPayloads, Topic } from '../../src/application/ports/events.js';

/** Fan-out inside one process. The PostgreSQL bus wraps this and adds LISTEN/NOTIFY across instances. */
export class LocalEventBus implements EventBus {
  private readonly em = new EventEmitter();
  constructor() {
    this.em.setMaxListeners(0);
  }
  publish(topic: string, payload: unknown): void {
    this.em.emit(topic, payload);
  }
  /** Typed by topic for the application; any topic (payload unknown) for the transport's own tests. */
  subscribe<K extends Topic>(topic: K, fn: (payload: EventPayloads[K]) => void): () => void;
  subscribe(topic: string, fn: (payload: unknown) => void): () => void;
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
