/**
 * The one websocket hub: every live socket of the service (operator desks on `/ws/operator`, every
 * console on `/ws/console`) with the user who opened it. One subscription per bus topic decides
 * who gets what, one heartbeat per feed drops dead sockets, and closing the app closes them all.
 * The two routes (ws/operator.ts, routes/console.ts) only authenticate and join their sockets here.
 *
 * - operator feed: screen pops, call states, WeChat hand-overs, the calls waiting (again after the
 *   cross-instance bus was down), and updates of the tickets the desk said it has open;
 * - console feed: ticket, page, duty, supervision and alert events, a unit user only its own unit's,
 *   and `resync` after the bus was down.
 * Every message is serialised once and the same string goes to every socket that gets it.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Principal } from '../../domain/policy.js';
import { TOPIC, type EventBus, type Topic } from '../../application/ports/events.js';
import type { Container } from '../../composition/container.js';

/** What the hub uses of the service (src/composition builds it). */
export type LiveHubDeps = Pick<Container, 'bus' | 'operatorQueue'>;

export type FeedName = 'operator' | 'console';

export interface FeedOptions {
  /** ping interval; a socket that did not answer the previous ping is dropped */
  heartbeatMs: number;
  /** bytes queued for one socket before it counts as dead (default: no limit) */
  maxBufferedBytes?: number;
  /** how its sockets are closed when the app closes */
  close: { code: number; reason: string };
}

export interface HubClient {
  socket: WebSocket;
  principal: Principal;
  feed: FeedName;
  alive: boolean;
  /** tickets the operator desk has open (their updates reach it) */
  open: Set<string>;
}

/**
 * Bus topics forwarded to every console as `{type, <type>: payload}`. `unit` says the payload
 * belongs to one unit (a unit user only gets its own); `office` keeps it from unit users.
 */
export const CONSOLE_TOPICS: readonly { topic: Topic; type: string; scope: 'unit' | 'office' }[] = [
  { topic: TOPIC.ticket, type: 'ticket', scope: 'unit' },
  { topic: TOPIC.page, type: 'page', scope: 'unit' },
  { topic: TOPIC.duty, type: 'duty', scope: 'unit' },
  { topic: TOPIC.supervision, type: 'supervision', scope: 'unit' },
  { topic: TOPIC.alert, type: 'alert', scope: 'office' },
];

declare module 'fastify' {
  interface FastifyInstance {
    liveHub: LiveHub;
  }
}

// 网格员 and the 融媒体中心 get no feed of other tickets: their pages read their own lists.
const seesTicket = (p: Principal, unit: unknown) => p.role !== 'grid' && p.role !== 'media' && (p.role !== 'unit' || (!!p.unit && unit === p.unit));
const seesOffice = (p: Principal) => p.role !== 'unit' && p.role !== 'grid' && p.role !== 'media';

export class LiveHub {
  private readonly clients = new Set<HubClient>();
  private readonly feeds = new Map<FeedName, FeedOptions & { timer: NodeJS.Timeout }>();
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly d: { bus: EventBus; waitingCalls: () => unknown[] }) {
    const { bus } = d;
    this.unsubscribe = [
      bus.subscribe(TOPIC.screenPop, (pop) => this.toOperators('screenpop', { pop })),
      bus.subscribe(TOPIC.callState, (call) => this.toOperators('call', { call })),
      bus.subscribe(TOPIC.handover, (handover) => this.toOperators('handover', { handover })),
      // The cross-instance bus was down: pops and call states of other instances may be missing
      // (the desks get the waiting list anew), other changes too (every console page re-reads).
      bus.onMissedEvents(() => {
        this.toOperators('waiting', { calls: this.d.waitingCalls() });
        this.toConsoles(() => true, JSON.stringify({ type: 'resync' }));
      }),
      // A desk gets the updates of the tickets it has open.
      bus.subscribe(TOPIC.ticket, (t) => {
        let text: string | null = null;
        for (const c of this.clients) {
          if (c.feed === 'operator' && ((t.id && c.open.has(t.id)) || (t.number && c.open.has(t.number)))) this.send(c, (text ??= JSON.stringify({ type: 'ticket', ticket: t })));
        }
      }),
      ...CONSOLE_TOPICS.map(({ topic, type, scope }) =>
        bus.subscribe(topic, (payload) => {
          const unit = payload && typeof payload === 'object' && 'unit' in payload ? payload.unit : null;
          this.toConsoles((p) => (scope === 'office' ? seesOffice(p) : seesTicket(p, unit)), () => JSON.stringify({ type, [type]: payload }));
        }),
      ),
    ];
  }

  /** A feed's options; its heartbeat starts with the first call. */
  feed(name: FeedName, o: FeedOptions): void {
    if (this.feeds.has(name)) return;
    const timer = setInterval(() => this.beat(name), o.heartbeatMs);
    timer.unref();
    this.feeds.set(name, { ...o, timer });
  }

  /** A socket joins its feed; it leaves when it closes or fails. */
  join(feed: FeedName, socket: WebSocket, principal: Principal): HubClient {
    const c: HubClient = { socket, principal, feed, alive: true, open: new Set() };
    this.clients.add(c);
    socket.on('pong', () => {
      c.alive = true;
    });
    socket.on('close', () => this.clients.delete(c));
    socket.on('error', () => this.clients.delete(c));
    return c;
  }

  /** The calls waiting for an operator, as the desks get them. */
  waiting(): unknown[] {
    return this.d.waitingCalls();
  }

  send(c: HubClient, text: string): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    const max = this.feeds.get(c.feed)?.maxBufferedBytes;
    if (max !== undefined && c.socket.bufferedAmount > max) {
      c.socket.terminate();
      return;
    }
    c.socket.send(text);
  }

  close(): void {
    for (const f of this.feeds.values()) clearInterval(f.timer);
    for (const u of this.unsubscribe) u();
    for (const c of this.clients) {
      const o = this.feeds.get(c.feed);
      c.socket.close(o?.close.code ?? 1001, o?.close.reason ?? 'server shutting down');
    }
  }

  private toOperators(type: string, payload: object): void {
    let text: string | null = null;
    for (const c of this.clients) if (c.feed === 'operator') this.send(c, (text ??= JSON.stringify({ type, ...payload })));
  }

  private toConsoles(who: (p: Principal) => boolean, message: string | (() => string)): void {
    let text: string | null = null;
    for (const c of this.clients) {
      if (c.feed !== 'console' || c.socket.readyState !== c.socket.OPEN || !who(c.principal)) continue;
      this.send(c, (text ??= typeof message === 'string' ? message : message()));
    }
  }

  private beat(feed: FeedName): void {
    for (const c of this.clients) {
      if (c.feed !== feed) continue;
      if (!c.alive) {
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.socket.ping();
      } catch {
        c.socket.terminate();
      }
    }
  }
}

/**
 * The socket routes join the one hub and socket registry registered before them (app.ts); a route
 * mounted without them fails at boot, not at its first socket.
 */
export function assertLiveRegistered(app: FastifyInstance, route: string): void {
  if (!app.hasDecorator('liveHub') || !app.hasDecorator('liveSockets')) throw new Error(`${route}: register ws/live-sockets and ws/hub before it`);
}

/** Registers the hub once for every socket route (fastify-plugin: it decorates the app). */
export default fp<LiveHubDeps>(
  async (app, { bus, operatorQueue }) => {
    const hub = new LiveHub({ bus, waitingCalls: () => operatorQueue.waitingCalls() });
    app.decorate('liveHub', hub);
    app.addHook('onClose', async () => hub.close());
  },
  { name: 'live-hub' },
);
