import t from 'tap';
import fc from 'fast-check';
import { testApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';

/**
 * Anything a client can send gets a 4xx (or a 2xx when it happens to be valid), never a 5xx:
 * a few thousand generated bodies, query strings and headers over the REST API.
 */
if (!process.env.SUBAN_TEST_PG_URL) t.comment('REST API fuzz on PostgreSQL skipped: SUBAN_TEST_PG_URL is not set');

// PostgreSQL refuses what SQLite stores (NUL, lone surrogates), so the same inputs run on both engines.
for (const engine of ENGINES) t.test(`REST API fuzz on ${engine}: no 5xx for any input`, async (t) => {
  const h = await testApp(t, { engine });
  const { json: seeded } = await h.call('operator', 'POST', '/api/v1/tickets', { content: '红都大道路灯坏了', contact: '13800001111' });
  const ticketId = seeded.ticket.id as string;
  const routes: [string, string][] = [
    ['POST', '/api/v1/tickets'],
    ['GET', '/api/v1/tickets'],
    ['GET', `/api/v1/tickets/${ticketId}`],
    ['POST', `/api/v1/tickets/${ticketId}/dispatch`],
    ['POST', `/api/v1/tickets/${ticketId}/return`],
    ['POST', `/api/v1/tickets/${ticketId}/extension`],
    ['POST', `/api/v1/tickets/${ticketId}/followup`],
    ['POST', `/api/v1/tickets/${ticketId}/merge`],
    ['POST', '/api/v1/classify'],
    ['POST', '/api/v1/auth/login'],
    ['POST', '/api/v1/users'],
    ['GET', '/api/v1/tickets/by-number/20261126-0001'],
    ['POST', '/api/v1/answers/suggest'],
    ['POST', '/api/v1/answers'],
    ['GET', '/api/v1/stats/first-contact'],
    ['GET', '/api/v1/answers/misses'],
    ['GET', '/api/v1/answers/top-entries'],
    ['POST', '/api/v1/kpi-rules'],
    ['GET', '/api/v1/stats/assessment'],
    ['GET', '/api/v1/accountability/flags'],
    ['GET', '/api/v1/accountability/case-file'],
  ];
  const jsonish = fc.oneof(
    fc.json(),
    fc.string(),
    fc.constantFrom('{', '{"content":', '[]', 'null', '{"content":null}', '{"content":"' + 'x'.repeat(6000) + '"}', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
    fc.record({ content: fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }), fc.integer(), fc.constant(null)), unit: fc.oneof(fc.string(), fc.constant('市城管局')), channel: fc.string(), category: fc.string(), urgent: fc.anything(), days: fc.anything(), reason: fc.anything(), satisfaction: fc.string(), into: fc.string(), text: fc.string(), name: fc.string(), password: fc.string(), role: fc.string(), effectiveFrom: fc.oneof(fc.string(), fc.constant('2099-01')), rule: fc.anything() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  );
  const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=gbk', 'multipart/form-data; boundary=x', '', 'application/xml');
  // Binary strings bring NUL and lone surrogates, which PostgreSQL refuses where SQLite stores them.
  const query = fc.dictionary(fc.constantFrom('state', 'limit', 'cursor', 'from', 'to', 'urgent', 'overdue', 'q', 'unit', 'x', 'month', 'format', 'contacts'), fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 })), { maxKeys: 4 });
  const who = fc.constantFrom<'operator' | 'unitA' | 'admin' | null>('operator', 'unitA', 'admin', null);
  const badAuth = fc.constantFrom(undefined, 'Bearer ', 'Bearer ' + 'a'.repeat(500), 'Basic Zm9vOmJhcg==', 'Bearer sbn_nope');
  let count = 0;
  const fives: string[] = [];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), jsonish, contentType, query, who, badAuth, async ([method, url], body, ct, q, user, auth) => {
      count++;
      const qs = new URLSearchParams(q).toString();
      const headers: Record<string, string> = {};
      if (ct) headers['content-type'] = ct;
      if (user) headers.authorization = `Bearer ${h.tokens[user]}`;
      else if (auth) headers.authorization = auth;
      const res = await h.app.inject({ method: method as 'GET', url: qs ? `${url}?${qs}` : url, headers, ...(method === 'GET' ? {} : { payload: body }) });
      if (res.statusCode >= 500) fives.push(`${method} ${url} ${ct} ${body.slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (res.statusCode >= 400) {
        const j = res.json();
        if (typeof j?.error?.code !== 'string') fives.push(`bad error shape: ${res.body.slice(0, 200)}`);
      }
      return true;
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 3000), seed: 20261126 },
  );
  t.same(fives, [], 'no 5xx and one error shape');
  t.ok(count >= 3000 || process.env.FUZZ_RUNS, `ran ${count} cases`);
  t.equal((await h.app.inject('/healthz')).statusCode, 200, 'still serving');
});

t.test('URL fuzz: broken escapes and over-long segments get 4xx in the one error shape', async (t) => {
  const h = await testApp(t);
  const segment = fc.oneof(
    fc.string({ maxLength: 20 }).map(encodeURIComponent),
    fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%2e%2e', '..', '%FF%FE', '%u4e2d', '%%'),
    fc.integer({ min: 90, max: 2000 }).map((n) => 'x'.repeat(n)),
  );
  const prefix = fc.constantFrom('/api/v1/tickets/', '/api/v1/tickets/by-number/', '/api/v1/units/', '/media/', '/twilio/', '/', '/docs/');
  const bad: string[] = [];
  await fc.assert(
    fc.asyncProperty(prefix, fc.array(segment, { minLength: 1, maxLength: 3 }), async (p, segs) => {
      const url = p + segs.join('/');
      const res = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${h.tokens.operator}` } });
      if (res.statusCode >= 500) bad.push(`${url.slice(0, 80)} → ${res.statusCode}`);
      else if (res.statusCode >= 400 && !String(res.headers['content-type']).includes('html')) {
        const j = res.json();
        if (typeof j?.error?.code !== 'string') bad.push(`${url.slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
      return true;
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 1000), seed: 20261127 },
  );
  t.same(bad, [], 'no 5xx and one error shape');
});
