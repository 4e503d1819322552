import t from 'tap';
import Fastify from 'fastify';
import websocket from '@fastify/websocket';
import { WebSocket } from 'ws';
import { testApp } from '../../helpers/app.js';
import errors from '../../../src/web/plugins/errors.js';
import auth from '../../../src/web/plugins/auth.js';
import operatorSocket from '../../../src/web/ws/operator.js';
import liveSockets from '../../../src/web/ws/live-sockets.js';
import liveHub from '../../../src/web/ws/hub.js';
import { TOPIC } from '../../../src/application/ports/events.js';

const IN_HOURS = '2026-11-26T02:00:00Z';

interface Msg {
  type: string;
  [k: string]: any;
}

/** A client socket that keeps every message and lets a test wait for the next of a type. */
class Client {
  readonly messages: Msg[] = [];
  private waiters: { type: string; from: number; resolve: (m: Msg) => void }[] = [];
  closed: Promise<number>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg;
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.type === m.type) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    this.closed = new Promise((r) => ws.on('close', (code) => r(code)));
  }
  /** the first message of `type` received after `after` messages (default: any so far) */
  next(type: string, after = 0, ms = 3000): Promise<Msg> {
    const have = this.messages.slice(after).find((m) => m.type === type);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} message within ${ms} ms; got ${this.messages.map((m) => m.type).join(',')}`)), ms);
      this.waiters.push({ type, from: after, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }
}

const h = await testApp(t, { now: IN_HOURS });
await h.app.listen({ host: '127.0.0.1', port: 0 });
const base = `ws://127.0.0.1:${(h.app.server.address() as { port: number }).port}/ws/operator`;
const open = (url: string, opts: { protocols?: string[]; headers?: Record<string, string>; autoPong?: boolean } = {}) =>
  new Promise<Client>((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers ?? {}, autoPong: opts.autoPong ?? true });
    const c = new Client(ws);
    ws.once('open', () => resolve(c));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
const asOperator = () => open(base, { protocols: ['bearer', h.tokens.operator] });

t.test('authentication is required, and only operators, supervisors and admins get in', async (t) => {
  await t.rejects(open(base), { message: 'HTTP 401' });
  await t.rejects(open(`${base}?token=not-a-token`), { message: 'HTTP 401' });
  await t.rejects(open(base, { protocols: ['bearer', h.tokens.unitA] }), { message: 'HTTP 403' });
  for (const url of [`${base}?token=${h.tokens.supervisor}`, `${base}?token=${h.tokens.admin}`]) {
    const c = await open(url);
    t.match(await c.next('hello'), { user: { role: /supervisor|admin/ } });
    c.ws.close();
  }
  const bearer = await open(base, { headers: { authorization: `Bearer ${h.tokens.operator}` } });
  t.match(await bearer.next('hello'), { user: { role: 'operator' } });
  bearer.ws.close();
  // the console's session cookie
  const login = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'op', password: 'correct-horse-1' } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const viaCookie = await open(base, { headers: { cookie } });
  t.match(await viaCookie.next('hello'), { user: { role: 'operator', name: 'op' } });
  t.same((await viaCookie.next('waiting')).calls, []);
  viaCookie.ws.close();
});

t.test('screen pop with the caller history, draft and IVR path; reconnecting gets the waiting call; state changes', async (t) => {
  h.clock.set(IN_HOURS);
  const sim = h.ctx.simVoice!;
  // Earlier today the same citizen called twice and left two tickets.
  await sim.placeInbound({ from: '13800000000', press: ['3'], say: '楼下饭店油烟很大，晚上十点还在营业' });
  await sim.placeInbound({ from: '13800000000', press: ['2'], say: '咨询一下居住证怎么办理' });
  const c = await asOperator();
  await c.next('waiting');
  const mark = c.messages.length;
  const calling = sim.placeInbound({ from: '13800000000', press: ['1'], say: '红都大道有路面塌陷，一辆车掉进去了', holdMs: 10_000 });
  const pop = (await c.next('screenpop', mark)).pop;
  t.match(pop, {
    caller: '13800000000',
    queue: 'urgent',
    priority: 1,
    ivrPath: '主菜单 1 即办/紧急',
    digits: ['1'],
    path: [{ menu: '主菜单', digits: '1', label: '即办/紧急' }],
    speech: /路面塌陷/,
    repeatCallerToday: true,
    callsToday: 3,
    draft: { channel: 'phone', contact: '13800000000', urgent: true, content: /路面塌陷/ },
  });
  t.equal(pop.recentTickets.length, 2);
  t.match(pop.recentTickets[0], { number: /^20261126-\d{4}$/, stateLabel: /已受理|已派单/ });
  t.ok(['咨询', '求助', '投诉', '举报', '建议', '表扬'].includes(pop.draft.category));
  t.match(await c.next('call', mark), { call: { callId: pop.callId, state: 'queued' } });

  // The console reloads: the new socket is told about the call still waiting.
  c.ws.close();
  const again = await asOperator();
  const waiting = (await again.next('waiting')).calls;
  t.same(waiting.map((w: Msg) => w.callId), [pop.callId]);
  t.match(waiting[0], { caller: '13800000000', recentTickets: [{}, {}] });

  const m2 = again.messages.length;
  t.ok(sim.answerQueued(pop.callId));
  t.match(await again.next('call', m2), { call: { callId: pop.callId, state: 'answered' } });
  await calling;
  await h.ctx.calls.idle();
  t.ok(again.messages.slice(m2).some((m) => m.type === 'call' && m.call.state === 'hungup'));
  const third = await asOperator();
  t.same((await third.next('waiting')).calls, [], 'an answered call is no longer waiting');
  third.ws.close();
  again.ws.close();
});

t.test('ticket updates only for the tickets a client has open; WeChat hand-overs for everyone', async (t) => {
  const a = await asOperator();
  const b = await asOperator();
  await a.next('hello');
  await b.next('hello');
  a.ws.send(JSON.stringify({ type: 'open', ticket: 'T-1' }));
  a.ws.send(JSON.stringify({ type: 'ping' }));
  await a.next('pong');
  const ma = a.messages.length;
  const mb = b.messages.length;
  h.ctx.bus.publish(TOPIC.ticket, { id: 'T-2', number: '20261126-0099', state: 'signed', unit: '市城管局', urgent: false, events: ['signed'] });
  h.ctx.bus.publish(TOPIC.ticket, { id: 'T-1', number: '20261126-0098', state: 'replied', unit: '市城管局', urgent: false, events: ['replied'] });
  h.ctx.bus.publish(TOPIC.handover, { channel: 'wechat', contactId: 'wx-1', since: '2026-11-26T02:00:00.000Z', first: true, lines: [{ at: '2026-11-26T02:00:00.000Z', from: 'citizen', text: '要求人工' }] });
  t.match(await a.next('ticket', ma), { ticket: { id: 'T-1', state: 'replied' } });
  t.match(await b.next('handover', mb), { handover: { contactId: 'wx-1', first: true } });
  t.equal(a.messages.slice(ma).filter((m) => m.type === 'ticket').length, 1);
  t.equal(b.messages.slice(mb).filter((m) => m.type === 'ticket').length, 0);
  a.ws.close();
  b.ws.close();
});

t.test('the socket route mounted without the hub and the socket registry fails at boot', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(websocket);
  await t.rejects(async () => app.register(operatorSocket, { auth: h.ctx.auth, config: h.ctx.config }), /register ws\/live-sockets and ws\/hub before it/);
});

t.test('heartbeats: a socket that stops answering pings is dropped, a live one stays', async (t) => {
  const app = Fastify();
  await app.register(errors);
  await app.register(auth, { auth: h.ctx.auth });
  await app.register(websocket);
  await app.register(liveSockets, { metrics: h.ctx.metrics, bus: h.ctx.bus });
  await app.register(liveHub, { bus: h.ctx.bus, operatorQueue: h.ctx.operatorQueue });
  await app.register(operatorSocket, { auth: h.ctx.auth, config: h.ctx.config, heartbeatMs: 40 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const url = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/ws/operator?token=${h.tokens.operator}`;
  const live = await open(url);
  const dead = await open(url, { autoPong: false });
  const code = await Promise.race([dead.closed, new Promise<number>((r) => setTimeout(() => r(-1), 2000))]);
  t.equal(code, 1006, 'terminated without a close handshake');
  t.equal(live.ws.readyState, WebSocket.OPEN);
  live.ws.close();
});
