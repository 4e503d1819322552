import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Logger } from 'pino';
import type { EventBus, EventPayloads, Topic } from '../../src/application/ports/events.js';
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

export interface PgEventBusOptions {
  /** How often the listening connection must answer a `SELECT 1` (ms). Default 10 000. */
  heartbeatMs?: number;
  /** How long a heartbeat, or the LISTEN itself, may go unanswered before the connection counts as dead (ms). Default 5 000. */
  deadlineMs?: number;
  /** How long opening the listening connection may take (ms). Default: deadlineMs. */
  connectTimeoutMs?: number;
  /** TCP keepalive idle time on the listening connection (ms). Default: heartbeatMs. */
  keepAliveMs?: number;
  /** First wait before reconnecting (ms), doubled per failed attempt up to reconnectMaxMs. Default 250. */
  reconnectMinMs?: number;
  /** Longest wait between reconnect attempts (ms). Default 10 000. */
  reconnectMaxMs?: number;
}

/**
 * `connecting`: opening the listening connection or sending LISTEN; `listening`: other instances'
 * events arrive; `down`: the connection was lost or could not be opened, a retry is scheduled;
 * `closed`: close() was called.
 */
export type BusState = 'connecting' | 'listening' | 'down' | 'closed';

export interface BusStatus {
  state: BusState;
  /** failed attempts since the bus last listened */
  attempts: number;
  /** why the last connection was lost or the last attempt failed (no connection details) */
  lastError?: string;
  /** heartbeats answered since start */
  heartbeats: number;
}

const noop = () => undefined;

/**
 * A pg client's socket. pg has no public way to drop a connection at once: `end()` sends a
 * Terminate and waits for the server to close, which in a partition never happens.
 */
function destroyClient(client: pg.Client): void {
  client.removeAllListeners();
  // Pending queries are failed with 'Connection terminated'; that must not become an unhandled 'error'.
  client.on('error', noop);
  const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
  if (typeof stream?.destroy === 'function') stream.destroy();
  else client.end().catch(noop);
}

/**
 * Live updates across instances with PostgreSQL LISTEN/NOTIFY: every instance delivers its own
 * messages locally at once and publishes them for the others. Chosen over Redis/NATS because the
 * database is already a dependency of every multi-instance deployment; nothing more to run.
 * Delivery is best-effort (like the websocket it feeds): state lives in the database, and a
 * reconnecting console reloads it.
 *
 * The listening connection is otherwise idle, so a silently dead one (a partition, a NAT or
 * firewall forgetting the flow, a database host that rebooted without a RST reaching us) would
 * look healthy forever. A heartbeat (`SELECT 1` within a deadline) and TCP keepalive find it;
 * the connection is then dropped and opened again with backoff, and LISTEN is sent again.
 * Events NOTIFYed while it was down are not replayed.
 */
export class PgEventBus implements EventBus {
  private readonly local = new LocalEventBus();
  private readonly origin = randomUUID();
  /** the listening connection, or the one being opened */
  private client: pg.Client | null = null;
  private closed = false;
  private state: BusState = 'connecting';
  /** Went down since it last listened: events may have been missed. */
  private gap = false;
  private readonly missedListeners = new Set<() => void>();
  private attempts = 0;
  private lastError: string | undefined;
  private heartbeats = 0;
  private downSince = 0;
  private notifyFailures = 0;
  /** every timer this bus owns (heartbeat, deadlines, retry), so close() leaves none behind */
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stateListeners = new Set<(s: BusStatus) => void>();
  private readonly heartbeatMs: number;
  private readonly deadlineMs: number;
  private readonly connectTimeoutMs: number;
  private readonly keepAliveMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    private readonly schemaOptions: string | undefined,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
    private readonly channel: string = CHANNEL,
    opts: PgEventBusOptions = {},
  ) {
    const ms = (v: number | undefined, dflt: number, name: string) => {
      const n = v ?? dflt;
      if (!Number.isFinite(n) || n <= 0) throw new Error(`PgEventBus: ${name} must be a positive number of milliseconds`);
      return n;
    };
    this.heartbeatMs = ms(opts.heartbeatMs, 10_000, 'heartbeatMs');
    this.deadlineMs = ms(opts.deadlineMs, 5_000, 'deadlineMs');
    this.connectTimeoutMs = ms(opts.connectTimeoutMs, this.deadlineMs, 'connectTimeoutMs');
    this.keepAliveMs = ms(opts.keepAliveMs, this.heartbeatMs, 'keepAliveMs');
    this.reconnectMinMs = ms(opts.reconnectMinMs, 250, 'reconnectMinMs');
    this.reconnectMaxMs = Math.max(this.reconnectMinMs, ms(opts.reconnectMaxMs, 10_000, 'reconnectMaxMs'));
  }

  /** Listens once before resolving when the database answers; otherwise keeps retrying in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  status(): BusStatus {
    return { state: this.state, attempts: this.attempts, lastError: this.lastError, heartbeats: this.heartbeats };
  }

  onMissedEvents(fn: () => void): () => void {
    this.missedListeners.add(fn);
    return () => this.missedListeners.delete(fn);
  }

  linkState(): string {
    return this.state;
  }

  /** Called on every state change, with the status after it; returns the unsubscribe. */
  onStateChange(fn: (s: BusStatus) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  private setState(state: BusState) {
    if (this.state === state) return;
    if (state === 'down') this.gap = true;
    this.state = state;
    if (state === 'listening' && this.gap) {
      // Listening again after being down: the NOTIFYs of the gap are lost for good.
      this.gap = false;
      for (const fn of this.missedListeners) {
        try {
          fn();
        } catch {
          // an observer's bug must not stop the bus
        }
      }
    }
    const s = this.status();
    for (const fn of this.stateListeners) {
      try {
        fn(s);
      } catch {
        // an observer's bug must not stop the bus
      }
    }
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private cancel(t: NodeJS.Timeout) {
    clearTimeout(t);
    this.timers.delete(t);
  }

  /** `q`, or an error once it has gone unanswered for deadlineMs. */
  private withDeadline<T>(q: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = this.after(this.deadlineMs, () => reject(new Error(`${what} unanswered after ${this.deadlineMs} ms`)));
      q.then(
        (v) => {
          this.cancel(t);
          resolve(v);
        },
        (e: unknown) => {
          this.cancel(t);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.setState('connecting');
    const client = new pg.Client({
      connectionString: this.connectionString,
      options: this.schemaOptions,
      application_name: 'suban_bus',
      connectionTimeoutMillis: this.connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: this.keepAliveMs,
    });
    this.client = client;
    client.on('error', (e: Error) => this.lost(client, e.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    client.on('notification', (msg) => void this.receive(msg.payload ?? ''));
    try {
      await client.connect();
      await this.withDeadline(client.query(`LISTEN ${this.channel}`), 'LISTEN');
    } catch (e) {
      this.lost(client, (e as Error).message);
      return;
    }
    // Lost or closed while LISTEN was on its way.
    if (this.client !== client) return;
    if (this.attempts > 0) {
      this.log.info({ channel: this.channel, attempts: this.attempts, downMs: Math.round(performance.now() - this.downSince) }, 'event bus: listening again');
    }
    this.attempts = 0;
    this.lastError = undefined;
    this.setState('listening');
    this.heartbeat(client);
  }

  private heartbeat(client: pg.Client) {
    this.after(this.heartbeatMs, () => {
      if (this.client !== client) return;
      this.withDeadline(client.query('SELECT 1'), 'heartbeat').then(
        () => {
          if (this.client !== client) return;
          this.heartbeats++;
          this.heartbeat(client);
        },
        (e: Error) => this.lost(client, `heartbeat: ${e.message}`),
      );
    });
  }

  /** `client` failed (error, end, missed deadline): drop it and try again after a backoff. */
  private lost(client: pg.Client, reason: string) {
    if (this.client !== client) return;
    this.client = null;
    destroyClient(client);
    if (this.closed) return;
    if (this.state === 'listening') this.log.warn({ channel: this.channel, reason }, 'event bus: listening connection lost, reconnecting');
    else this.log.warn({ channel: this.channel, reason, attempt: this.attempts + 1 }, 'event bus: LISTEN failed, retrying');
    if (this.attempts === 0) this.downSince = performance.now();
    this.attempts++;
    this.lastError = reason;
    const base = Math.min(this.reconnectMaxMs, this.reconnectMinMs * 2 ** Math.min(this.attempts - 1, 30));
    // Jitter: instances that lost the database together do not all come back in the same instant.
    const wait = Math.round(base * (0.8 + Math.random() * 0.4));
    this.setState('down');
    this.after(wait, () => void this.connect());
  }

  private async receive(raw: string) {
    let env: Envelope;
    try {
      env = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (!env || typeof env !== 'object' || env.o === this.origin || typeof env.t !== 'string') return;
    let payload = env.p;
    if (env.ref) {
      const r = await this.pool.query('SELECT doc FROM state_docs WHERE scope = $1 AND key = $2', ['bus', env.ref]).catch(() => null);
      if (!r?.rows[0]) return;
      payload = r.rows[0].doc;
    }
    this.local.publish(env.t, payload);
  }

  /**
   * Delivers locally at once, then NOTIFYs the others in the background: a failure (the database
   * unreachable) is logged, never thrown into the caller. In an outage only the first failure is
   * logged; the count is logged when NOTIFY works again. Messages published in the same turn of the
   * event loop go out in one statement (one round trip, in order), not one each.
   */
  publish(topic: string, payload: unknown): void {
    this.local.publish(topic, payload);
    if (this.closed) return;
    // `s`: PostgreSQL delivers identical payloads NOTIFYed in one transaction once; a batch may hold two.
    const inline = JSON.stringify({ o: this.origin, t: topic, p: payload, s: this.sequence++ });
    if (Buffer.byteLength(inline) <= INLINE_LIMIT) {
      this.outbox.push(inline);
      if (this.outbox.length === 1) setImmediate(() => this.flush());
      return;
    }
    const send = async () => {
      const ref = randomUUID();
      const now = Date.now();
      await this.pool.query('INSERT INTO state_docs (scope, key, doc, expires_at, updated_at) VALUES ($1, $2, $3, $4, $5)', ['bus', ref, JSON.stringify(payload), now + 600_000, now]);
      await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, JSON.stringify({ o: this.origin, t: topic, ref })]);
    };
    this.sent(send(), topic);
  }

  /** The inline messages of this turn. */
  private outbox: string[] = [];
  private sequence = 0;

  private flush(): void {
    const batch = this.outbox.splice(0);
    if (!batch.length || this.closed) return;
    const topic = batch.length === 1 ? (JSON.parse(batch[0]!) as Envelope).t : `${batch.length} messages`;
    this.sent(
      batch.length === 1
        ? this.pool.query('SELECT pg_notify($1, $2)', [this.channel, batch[0]])
        : this.pool.query('SELECT pg_notify($1, m) FROM unnest($2::text[]) WITH ORDINALITY AS x(m, i) ORDER BY i', [this.channel, batch]),
      topic,
    );
  }

  private sent(p: Promise<unknown>, topic: string): void {
    p.then(
      () => {
        if (this.notifyFailures === 0) return;
        this.log.info({ channel: this.channel, failed: this.notifyFailures }, 'event bus: NOTIFY works again');
        this.notifyFailures = 0;
      },
      (e: Error) => {
        if (this.notifyFailures++ === 0) this.log.warn({ channel: this.channel, err: e.message, topic }, 'event bus: NOTIFY failed (further failures are counted until one succeeds)');
      },
    );
  }

  /** Typed by topic for the application; any topic (payload unknown) for the transport's own tests. */
  subscribe<K extends Topic>(topic: K, fn: (payload: EventPayloads[K]) => void): () => void;
  subscribe(topic: string, fn: (payload: unknown) => void): () => void;
  subscribe(topic: string, fn: (payload: unknown) => void): () => void {
    return this.local.subscribe(topic, fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.setState('closed');
    const c = this.client;
    this.client = null;
    if (!c) return;
    c.removeAllListeners();
    c.on('error', noop);
    // A polite Terminate when the server can hear it; a partition must not hold shutdown hostage.
    const grace = Math.min(this.deadlineMs, 1000);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      c.end().catch(noop),
      new Promise<void>((r) => {
        timer = setTimeout(() => {
          destroyClient(c);
          r();
        }, grace);
      }),
    ]);
    clearTimeout(timer);
  }
}
