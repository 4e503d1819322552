import t from 'tap';
import { WebSocket } from 'ws';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../helpers/app.js';
import { maskContact } from '../../src/domain/phone.js';
import { AppError } from '../../src/domain/errors.js';

/** Issue 19, item 15: error nits. */

t.test('a 429 from the rate limiter says rate_limited', async (t) => {
  const h = await testApp(t);
  let last = { statusCode: 0, json: () => ({}) as any };
  for (let i = 0; i < 12; i++) last = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: `who-${i}`, password: 'wrong-password' } });
  t.equal(last.statusCode, 429);
  t.equal(last.json().error.code, 'rate_limited');
});

t.test("the WeChat 413 has our code, not Fastify's", async (t) => {
  const h = await testApp(t, { env: { WECHAT_MP_TOKEN: 'tok', WECHAT_MP_APPID: 'wx0000000000000000', WECHAT_MP_SECRET: 's', WECHAT_API_BASE: 'http://127.0.0.1:9', SUBAN_WEBHOOK_RATE_LIMIT: '0' } });
  const r = await h.app.inject({ method: 'POST', url: '/wechat/mp?signature=x&timestamp=1&nonce=2', headers: { 'content-type': 'text/xml' }, payload: `<xml>${'x'.repeat(70 * 1024)}</xml>` });
  t.equal(r.statusCode, 413);
  t.equal(r.json().error.code, 'body_too_large');
});

t.test('a 503 does not show an internal address', async (t) => {
  const routes = async (app: FastifyInstance) => {
    app.get('/test/down', async () => {
      throw new AppError('unavailable', 'sim_voice_down', '模拟器不可达：connect ECONNREFUSED 10.20.30.40:8084（http://sim.internal:8084/calls）', { host: '10.20.30.40' });
    });
  };
  const h = await testApp(t, { app: { plugins: [routes] } });
  const r = await h.app.inject('/test/down');
  t.equal(r.statusCode, 503);
  t.equal(r.json().error.code, 'sim_voice_down');
  t.notMatch(r.body, /10\.20\.30\.40|sim\.internal|8084/, 'no address in the answer');
  t.match(h.logs.text, /10\.20\.30\.40/, 'the log keeps the reason');
});

t.test('a masked number is not masked again', async (t) => {
  t.equal(maskContact('13810001002'), '138****1002');
  t.equal(maskContact(maskContact('13810001002')), '138****1002', 'not 138100****1002');
  t.equal(maskContact('+8613810001002'), '+86138****1002');
});

t.test('an oversize websocket frame is the client’s problem: no error line with a stack', async (t) => {
  const h = await testApp(t);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/operator`, { headers: { authorization: `Bearer ${h.tokens.operator}` } });
  await new Promise((r) => ws.once('message', r));
  const closed = new Promise<number>((r) => ws.on('close', (c) => r(c)));
  ws.on('error', () => undefined);
  ws.send('x'.repeat(80 * 1024));
  await closed;
  // A gate, not a pause: the server's line about the closed socket, then what else it logged by then.
  const parsed = () => h.logs.lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: { stack?: string } });
  for (let i = 0; i < 5000 && !parsed().some((l) => l.msg === 'websocket closed: client error' || l.level >= 50); i++) await new Promise((r) => setTimeout(r, 1));
  const lines = parsed();
  t.notOk(lines.some((l) => l.level >= 50), 'no error-level line');
  t.ok(lines.some((l) => l.msg === 'websocket closed: client error'), 'one info line says what happened');
});
