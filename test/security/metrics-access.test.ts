import t from 'tap';
import type { AddressInfo } from 'node:net';
import { testApp } from '../helpers/app.js';
import { loadConfig } from '../../src/config.js';

/** Issue 19, item 14: /metrics needs a token, or lives on its own listener, or answers only a direct local scraper. */

t.test('default: only a direct scraper on this host', async (t) => {
  const h = await testApp(t);
  t.equal((await h.app.inject({ url: '/metrics', remoteAddress: '203.0.113.5' })).statusCode, 403, 'not from the internet');
  t.equal((await h.app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.5' } })).statusCode, 403, 'not through a proxy on this host');
  const ok = await h.app.inject('/metrics');
  t.equal(ok.statusCode, 200, 'a local scraper');
  t.match(ok.body, /suban_http_request_duration_seconds/);
});

t.test('SUBAN_METRICS_TOKEN: a bearer token from anywhere', async (t) => {
  const h = await testApp(t, { env: { SUBAN_METRICS_TOKEN: 'metrics-token-0123456789' } });
  t.equal((await h.app.inject('/metrics')).statusCode, 401, 'even locally, not without it');
  t.equal((await h.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
  t.equal((await h.app.inject({ url: '/metrics', remoteAddress: '203.0.113.5', headers: { authorization: 'Bearer metrics-token-0123456789' } })).statusCode, 200);
  t.notOk(h.logs.text.includes('metrics-token-0123456789'), 'the token is never logged');
});

t.test('SUBAN_METRICS_LISTEN: a listener of its own, none on the public port', async (t) => {
  t.same(loadConfig({ SUBAN_METRICS_LISTEN: '10.0.0.5:9464' }).metricsListen, { host: '10.0.0.5', port: 9464 });
  t.same(loadConfig({ SUBAN_METRICS_LISTEN: '[::1]:9464' }).metricsListen, { host: '::1', port: 9464 });
  t.throws(() => loadConfig({ SUBAN_METRICS_LISTEN: 'nope' }), { message: /SUBAN_METRICS_LISTEN/ });
  const h = await testApp(t, { env: { SUBAN_METRICS_LISTEN: '127.0.0.1:0' } });
  t.equal((await h.app.inject('/metrics')).statusCode, 404, 'the public port has no /metrics');
  const port = (h.app.metricsServer!.address() as AddressInfo).port;
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.equal(r.status, 200);
  t.match(await r.text(), /suban_/);
  t.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
});
