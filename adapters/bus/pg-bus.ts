import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { EventBus } from '../../src/application/ports/misc.js';
import { LocalEventBus } from './local-bus.js';

const CHANNEL = 'suban_bus';

/** NOTIFY channels are database-wide: deployments (and test runs) in separate schemas need their own. */
export function busChannel(schema?: string): string {
  return schema ? `${CHANNEL}_${schema}` : CHANNEL;
}
/** NOTIFY payloads are limited to 8000 bytes; larger messages travel through a table. */
const INLINE_LIMIT = 7000;

interface Envelope {
  o: string;
  t: string;
  p?: unknown;
  ref?: string;
}

/**
 * Live updates across instances with PostgreSQL LISTEN/NOTIFY: every instance delivers its own
 * messages locally at once and publishes them for the others. Chosen over Redis/NATS because the
 * database is already a dependency of every multi-instance deployment; nothing more to run.
 * Delivery is best-effort (like the websocket it feeds): state lives in the database, and a
 * reconnecting console reloads it.
 */
export class PgEventBus implements EventBus {
  private readonly local = new LocalEventBus();
  private readonly origin = randomUUID();
  private listener: pg.Client | null = null;
  private closed = false;
  private retryMs = 250;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    private readonly schemaOptions: string | undefined,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
    private readonly channel: string = CHANNEL,
  ) {}

  async start(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString, options: this.schemaOptions });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    client.on('notification', (msg) => void this.receive(msg.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.listener = client;
      this.retryMs = 250;
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'event bus: LISTEN failed, retrying');
      this.reconnect(client);
    }
  }

  private reconnect(client: pg.Client) {
    if (this.listener === client) this.listener = null;
    client.removeAllListeners();
    client.end().catch(() => undefined);
    if (this.closed) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    setTimeout(() => void this.listen(), wait).unref();
  }

  private async receive(raw: string) {
    let env: Envelope;
    try {
      env = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (!env || typeof env !== "object" || env.o === this.origin || typeof env.t !== "string") return;
    let payload = env.p;
    if (env.ref) {
      const r = await this.pool.query('SELECT doc FROM state_docs WHERE scope = $1 AND key = $2', ['bus', env.ref]).catch(() => null);
      if (!r?.rows[0]) return;
      payload = r.rows[0].doc;
    }
    this.local.publish(env.t, payload);
  }

  publish(topic: string, payload: unknown): void {
    this.local.publish(topic, payload);
    const inline = JSON.stringify({ o: this.origin, t: topic, p: payload });
    const send = async () => {
      if (Buffer.byteLength(inline) <= INLINE_LIMIT) {
        await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, inline]);
        return;
      }
      const ref = randomUUID();
      const now = Date.now();
      await this.pool.query('INSERT INTO state_docs (scope, key, doc, expires_at, updated_at) VALUES ($1, $2, $3, $4, $5)', ['bus', ref, JSON.stringify(payload), now + 600_000, now]);
      await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, JSON.stringify({ o: this.origin, t: topic, ref })]);
    };
    send().catch((e: Error) => this.log.warn({ err: e.message, topic }, 'event bus: NOTIFY failed'));
  }

  subscribe(topic: string, fn: (payload: unknown) => void): () => void {
    return this.local.subscribe(topic, fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    const l = this.listener;
    this.listener = null;
    if (l) {
      l.removeAllListeners();
      await l.end().catch(() => undefined);
    }
  }
}
