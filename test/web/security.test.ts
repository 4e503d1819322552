import t from 'tap';
import { testApp } from '../helpers/app.js';

t.test('security headers, login and webhook rate limits', async (t) => {
  const h = await testApp(t, { env: { SUBAN_WEBHOOK_RATE_LIMIT: '5' } });
  const res = await h.app.inject('/healthz');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.match(String(res.headers['content-security-policy']), /default-src 'self'/);
  t.ok(res.headers['strict-transport-security'], 'HSTS');
  t.equal(res.headers['x-frame-options'], 'SAMEORIGIN');

  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await h.app.inject('/open311/v2/services.json')).statusCode);
  t.same(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
  t.equal(statuses[6], 429, 'a flood on a public endpoint is limited');

  const logins: number[] = [];
  for (let i = 0; i < 12; i++) logins.push((await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'op', password: 'wrong-password' } })).statusCode);
  t.equal(logins[0], 401);
  t.equal(logins[11], 429, 'password guessing is slowed');
  const limited = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'op', password: 'wrong-password' } });
  t.type(limited.json().error?.code, 'string', 'the 429 has the one error shape');
});
