import t from 'tap';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { Open311Store } from '../../src/application/platforms/open311.js';

/** Issue 19, item 5: no query parameters in database errors, no credentials in logged URLs. */

const PHONE = '13812340099';

for (const engine of ENGINES) {
  t.test(`a failed query logs no parameters on ${engine}`, async (t) => {
    let failing: () => Promise<unknown> = async () => undefined;
    const routes = async (app: FastifyInstance) => {
      app.get('/test/failed-query', async () => failing());
      app.get('/test/db-down', async () => {
        throw Object.assign(new Error(`Failed query: select * from tickets where contact = $1\nparams: ${PHONE}`), { code: 'ECONNREFUSED', params: [PHONE] });
      });
    };
    const h = await testApp(t, { engine, app: { plugins: [routes] } });
    // A real failed statement through drizzle: the error's message and params carry the value.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const db = h.ctx.db.db as any;
    failing = async () => db.select().from(h.ctx.db.t.tickets).where(sql`no_such_column = ${PHONE}`);
    const r = await h.app.inject('/test/failed-query');
    t.equal(r.statusCode, 500);
    t.match(h.logs.text, /unhandled error/, 'the failure is logged');
    const down = await h.app.inject('/test/db-down');
    t.equal(down.statusCode, 503);
    t.match(h.logs.text, /database unavailable/);
    t.notOk(h.logs.text.includes(PHONE), 'the phone number is in no log line');
    t.match(h.logs.text, /params: \[redacted\]/, 'the statement is kept, its values are not');
  });
}

t.test('credentials in a logged URL are masked', async (t) => {
  const h = await testApp(t);
  const key = await new Open311Store(h.ctx.state, () => h.clock.now()).registerClient('app');
  await h.app.inject(`/open311/v2/requests.json?api_key=${key}`);
  await h.app.inject('/api/v1/tickets?token=tok-secret-1&password=pw-secret-2&signature=sig-secret-3');
  t.notOk(h.logs.text.includes(key), 'api_key');
  for (const s of ['tok-secret-1', 'pw-secret-2', 'sig-secret-3']) t.notOk(h.logs.text.includes(s), s);
  t.match(h.logs.text, /api_key=\[redacted\]/);
});
