import { randomUUID } from 'node:crypto';
import type { Clock } from '../../src/domain/clock.js';
import type { SmsSender } from '../../src/application/ports/messaging.js';
import { TOPIC, type EventBus, type SimSms } from '../../src/application/ports/events.js';

export type { SimSms };

/**
 * The simulated SMS provider of the demo and the tests: messages are kept in memory (latest
 * 500), published on the bus for the console, and nothing leaves the machine.
 */
export class SimSmsSender implements SmsSender {
  readonly sent: SimSms[] = [];
  constructor(
    private readonly clock: Clock,
    private readonly bus?: EventBus,
  ) {}

  async send(msg: { to: string; text: string; ref?: string }) {
    const s: SimSms = { id: `SM${randomUUID().replace(/-/g, '')}`, ...msg, at: this.clock.now().toISOString() };
    this.sent.push(s);
    if (this.sent.length > 500) this.sent.shift();
    this.bus?.publish(TOPIC.simSms, s);
    return { id: s.id };
  }
}
