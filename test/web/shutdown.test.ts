/**
 * Graceful shutdown as a client sees it: a request in flight when closing begins still gets its
 * answer; a request that arrives afterwards on the same keep-alive connection (a new connection
 * is refused by then) is turned away at once with 503, Retry-After and the one error shape, and
 * the connection is closed so the client reconnects elsewhere. It is not processed.
 */
import t from 'tap';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../helpers/app.js';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** HTTP/1.1 responses in the order they came on one connection (bodies with Content-Length). */
function parseResponses(raw: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = raw;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`incomplete response head: ${rest.toString().slice(0, 200)}`);
    const [statusLine, ...lines] = rest.subarray(0, end).toString().split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? NaN);
    if (!Number.isFinite(length)) throw new Error(`no content-length in ${statusLine}`);
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.subarray(end + 4, end + 4 + length).toString() });
    rest = rest.subarray(end + 4 + length);
  }
  return out;
}

t.test('requests arriving while the server closes get our 503, in-flight ones finish', async (t) => {
  let started!: () => void;
  const slowStarted = new Promise<void>((r) => (started = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let closingBegan!: () => void;
  const closing = new Promise<void>((r) => (closingBegan = r));
  const slow = async (app: FastifyInstance) => {
    app.get('/test/slow', async () => {
      started();
      await released;
      return { done: true };
    });
    // Registered after the app's own preClose hook: by the time this runs, closing has begun.
    app.addHook('preClose', async () => closingBegan());
  };
  const h = await testApp(t, { app: { plugins: [slow] } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = h.app.server.address() as net.AddressInfo;

  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (b) => chunks.push(b));
  const socketClosed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write('GET /test/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  await slowStarted;

  const appClosed = h.app.close();
  await closing;
  const secondSeen = new Promise<void>((r) => h.app.server.on('request', (req) => req.url === '/api/v1/tickets' && r()));
  const body = JSON.stringify({ content: '光明路的路灯坏了', idempotencyKey: 'shutdown-1' });
  socket.write(
    `POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${h.tokens.operator}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  await secondSeen;
  release();
  await socketClosed;
  await appClosed;

  const [first, second, ...more] = parseResponses(Buffer.concat(chunks));
  t.equal(first?.status, 200, 'the request in flight when closing began was answered');
  t.same(JSON.parse(first!.body), { done: true });
  t.equal(second?.status, 503, 'the request that came after: 503');
  t.equal(second?.headers['retry-after'], '5', 'with Retry-After');
  t.equal(second?.headers['connection'], 'close', 'and the connection closed');
  t.match(JSON.parse(second!.body), { error: { code: 'shutting_down', message: /稍后重试/ } }, 'in the one error shape');
  t.same(more, [], 'nothing else on the connection');
  const tickets = await h.ctx.ticketStore.list({}, { limit: 10 });
  t.equal(tickets.items.length, 0, 'the refused request was not processed');
});
