import t from 'tap';
import { WebSocket } from 'ws';
import { testApp, TEST_PASSWORD } from '../helpers/app.js';

/** Issue 19, item 12: login takes JSON only (no login CSRF); websocket upgrades from another origin are refused. */

t.test('login accepts JSON only', async (t) => {
  const h = await testApp(t);
  for (const [ct, payload] of [
    ['application/x-www-form-urlencoded', `name=op&password=${TEST_PASSWORD}`],
    ['text/plain', JSON.stringify({ name: 'op', password: TEST_PASSWORD })],
    ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nop\r\n--x--`],
  ] as const) {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': ct }, payload });
    t.equal(r.statusCode, 400, ct);
    t.equal(r.json().error.code, 'json_only');
    t.notOk(r.headers['set-cookie'], 'no session cookie');
  }
  t.equal((await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'op', password: TEST_PASSWORD } })).statusCode, 200, 'JSON logs in');
});

t.test('websocket upgrades: Origin must be ours', async (t) => {
  const h = await testApp(t);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  const login = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'sup', password: TEST_PASSWORD } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const open = (path: string, headers: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      ws.once('error', () => resolve(-1));
      setTimeout(() => resolve(-2), 5000);
    });
  t.equal(await open('/ws/console', { cookie, origin: 'https://evil.example' }), 403, 'a cross-site page cannot ride the session cookie');
  t.equal(await open('/ws/operator', { cookie, origin: 'https://evil.example' }), 403);
  t.equal(await open('/ws/console', { cookie, origin: 'https://hotline.example.cn' }), 101, 'the public URL');
  t.equal(await open('/ws/console', { cookie, origin: `http://127.0.0.1:${port}` }), 101, 'the same host');
  t.equal(await open('/ws/operator', { authorization: `Bearer ${h.tokens.operator}` }), 101, 'a program without Origin, with a token');
});
