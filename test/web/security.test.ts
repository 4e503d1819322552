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

t.test('upgrade-insecure-requests, HSTS and COOP only when the public URL is https', async (t) => {
  const https = await testApp(t, { env: { SUBAN_PUBLIC_URL: 'https://hotline.example.cn' } });
  for (const url of ['/healthz', '/login']) {
    const res = await https.app.inject(url);
    t.match(String(res.headers['content-security-policy']), /(^|;)upgrade-insecure-requests(;|$)/, `https ${url}: CSP upgrades`);
    t.match(String(res.headers['strict-transport-security']), /max-age=\d+/, `https ${url}: HSTS`);
    t.equal(res.headers['cross-origin-opener-policy'], 'same-origin', `https ${url}: COOP`);
  }
  for (const publicUrl of ['http://10.0.0.8:3000', 'http://suban.intranet', 'http://suban.intranet:8080']) {
    const plain = await testApp(t, { env: { SUBAN_PUBLIC_URL: publicUrl } });
    for (const url of ['/healthz', '/login']) {
      const res = await plain.app.inject(url);
      const csp = String(res.headers['content-security-policy']);
      t.match(csp, /default-src 'self'/, `${publicUrl} ${url}: the CSP is still sent`);
      t.notMatch(csp, /upgrade-insecure-requests/, `${publicUrl} ${url}: no upgrade-insecure-requests`);
      t.equal(res.headers['strict-transport-security'], undefined, `${publicUrl} ${url}: no HSTS`);
      t.equal(res.headers['cross-origin-opener-policy'], undefined, `${publicUrl} ${url}: no COOP (ignored on an http origin, with a console error)`);
      t.equal(res.headers['x-content-type-options'], 'nosniff', `${publicUrl} ${url}: the other headers stay`);
    }
  }
});
