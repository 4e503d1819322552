import t from 'tap';
import { connect, type Socket } from 'node:net';
import { testApp } from '../helpers/app.js';
import { loadConfig } from '../../src/config.js';

/** Issue 19, item 9: request and header timeouts, and a per-address cap on requests in progress on the public routes. */

/** Starts a POST whose body never finishes; resolves with what the server answered when it closed the connection. */
function trickle(port: number, path: string): { socket: Socket; ended: Promise<{ data: string; ms: number }> } {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d) => (data += d.toString()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\napi_key=`);
  const ended = new Promise<{ data: string; ms: number }>((resolve) => socket.on('close', () => resolve({ data, ms: Date.now() - started })));
  socket.on('error', () => undefined);
  return { socket, ended };
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

t.test('config: timeouts and the cap are settings', async (t) => {
  const c = loadConfig({});
  t.equal(c.headersTimeoutMs, 10000);
  t.equal(c.requestTimeoutMs, 30000);
  t.equal(c.publicConnectionsPerAddress, 64);
  t.throws(() => loadConfig({ SUBAN_HEADERS_TIMEOUT_MS: '5000', SUBAN_REQUEST_TIMEOUT_MS: '1000' }), { message: /HEADERS_TIMEOUT/ });
});

t.test('a body that never finishes does not hold its connection', async (t) => {
  const h = await testApp(t, { env: { SUBAN_REQUEST_TIMEOUT_MS: '600', SUBAN_HEADERS_TIMEOUT_MS: '300', SUBAN_WEBHOOK_RATE_LIMIT: '0' } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  const slow = trickle(port, '/open311/v2/requests.json');
  const r = await within(slow.ended, 5000);
  t.not(r, 'timeout', 'the server closed the connection');
  if (r !== 'timeout') {
    t.match(r.data, /^HTTP\/1\.1 408/, 'with a 408');
    t.ok(r.ms < 3000, `after about the request timeout (${r.ms} ms)`);
  }
  slow.socket.destroy();
  // Headers that never finish are cut too.
  const started = Date.now();
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  s.resume(); // read what comes, so 'close' can fire
  s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const closed = await within(new Promise((r) => s.on('close', r)), 5000);
  t.not(closed, 'timeout', `headers that never end: closed after ${Date.now() - started} ms`);
  s.destroy();
});

t.test('one address may have only so many requests in progress on the public routes', async (t) => {
  const h = await testApp(t, { env: { SUBAN_PUBLIC_CONNECTIONS_PER_ADDRESS: '2', SUBAN_REQUEST_TIMEOUT_MS: '5000', SUBAN_HEADERS_TIMEOUT_MS: '5000', SUBAN_WEBHOOK_RATE_LIMIT: '0' } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  const a = trickle(port, '/open311/v2/requests.json');
  const b = trickle(port, '/open311/v2/requests.json');
  await new Promise((r) => setTimeout(r, 200));
  const third = await fetch(`http://127.0.0.1:${port}/open311/v2/services.json`);
  t.equal(third.status, 429, 'the third at once is refused');
  t.equal((await third.json()).error.code, 'too_many_connections');
  const api = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(api.status, 200, 'routes that are not public are not capped');
  a.socket.destroy();
  b.socket.destroy();
  await Promise.all([a.ended, b.ended]);
  await new Promise((r) => setTimeout(r, 50));
  t.equal((await fetch(`http://127.0.0.1:${port}/open311/v2/services.json`)).status, 200, 'released when they go');
});
