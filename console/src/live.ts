/**
 * Live updates over two websockets, both authenticated by the session cookie:
 *  - `/ws/console` (every role): ticket changes (a unit only hears about its own tickets) and
 *    paging progress.
 *  - `/ws/operator` (operators and the office): screen pops, call states, WeChat hand-overs;
 *    on (re)connect the server sends the calls still waiting.
 * Both reconnect with backoff; after a gap (a reconnect here, or the server's bus reconnecting)
 * pages hear `resync` and re-read. Pages subscribe by topic and never poll.
 */
import { useEffect, useRef } from 'preact/hooks';
import { Store } from './store.js';

/** `resync`: events may have been missed (this socket reconnected, or the server's cross-instance bus did); re-read what is shown. */
export type LiveTopic = 'screenpop' | 'call' | 'handover' | 'ticket' | 'page' | 'duty' | 'supervision' | 'alert' | 'resync';
type Handler = (payload: any) => void;

const handlers = new Map<LiveTopic, Set<Handler>>();
type SockState = 'off' | 'connecting' | 'open' | 'closed';
export const liveStatus = new Store<{ console: SockState; operator: SockState }>({ console: 'off', operator: 'off' });

export function emit(topic: LiveTopic, payload: unknown): void {
  for (const h of [...(handlers.get(topic) ?? [])]) {
    try {
      h(payload);
    } catch (e) {
      console.warn('live handler failed', topic, e);
    }
  }
}

export function onLive(topic: LiveTopic, h: Handler): () => void {
  let set = handlers.get(topic);
  if (!set) handlers.set(topic, (set = new Set()));
  set.add(h);
  return () => set!.delete(h);
}

/** Subscribe for the life of a component; the handler may change between renders. */
export function useLive(topic: LiveTopic, h: Handler): void {
  const ref = useRef(h);
  ref.current = h;
  useEffect(() => onLive(topic, (p) => ref.current(p)), [topic]);
}

/** A websocket that comes back after network trouble or a server restart. */
class LiveSocket {
  private ws: WebSocket | null = null;
  private wanted = false;
  private retry = 0;
  private everOpen = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly name: 'console' | 'operator',
    private readonly path: string,
    private readonly onMessage: (msg: any) => void,
  ) {}

  start(): void {
    this.wanted = true;
    if (this.ws) return;
    this.status('connecting');
    const sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${this.path}`);
    this.ws = sock;
    sock.onopen = () => {
      this.retry = 0;
      this.status('open');
      // Whatever happened while this socket was away was not heard: pages re-read.
      if (this.everOpen && this.name === 'console') emit('resync', null);
      this.everOpen = true;
    };
    sock.onmessage = (e) => {
      let msg: any;
      try {
        msg = JSON.parse(String(e.data));
      } catch {
        return;
      }
      this.onMessage(msg);
    };
    sock.onclose = () => {
      if (this.ws === sock) this.ws = null;
      if (!this.wanted) return;
      this.status('closed');
      this.retry = Math.min(this.retry + 1, 5);
      this.timer = setTimeout(() => this.start(), 300 * 2 ** this.retry);
    };
  }

  stop(): void {
    this.wanted = false;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
    this.status('off');
  }

  private status(s: SockState) {
    liveStatus.set({ ...liveStatus.get(), [this.name]: s });
  }
}

const consoleSocket = new LiveSocket('console', '/ws/console', (m) => {
  if (m.type === 'ticket') emit('ticket', m.ticket);
  else if (m.type === 'page') emit('page', m.page);
  else if (m.type === 'duty') emit('duty', m.duty);
  else if (m.type === 'supervision') emit('supervision', m.supervision);
  else if (m.type === 'alert') emit('alert', m.alert);
  else if (m.type === 'resync') emit('resync', null);
});

const operatorSocket = new LiveSocket('operator', '/ws/operator', (m) => {
  if (m.type === 'screenpop') emit('screenpop', m.pop);
  else if (m.type === 'waiting') for (const p of m.calls ?? []) emit('screenpop', p);
  else if (m.type === 'call') emit('call', m.call);
  else if (m.type === 'handover') emit('handover', m.handover);
});

export function startLive(operator: boolean): void {
  consoleSocket.start();
  if (operator) operatorSocket.start();
}

export function stopLive(): void {
  consoleSocket.stop();
  operatorSocket.stop();
}
