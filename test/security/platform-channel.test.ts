import t from 'tap';
import { testApp } from '../helpers/app.js';

/** Issue 19, item 6: an operator cannot pose as an outside platform (or an Open311 client). */

t.test('POST /tickets refuses platform and Open311 channels', async (t) => {
  const h = await testApp(t, { env: { SUBAN_PLATFORM_MINSHENG_SECRET: 'minsheng-secret' } });
  const names = h.ctx.platforms.list().map((p) => p.name);
  t.ok(names.length >= 14);
  for (const who of ['operator', 'supervisor', 'admin'] as const) {
    for (const channel of [`platform:${names[0]}`, 'platform:民生热线', 'open311']) {
      const r = await h.call(who, 'POST', '/api/v1/tickets', { channel, content: '红都大道路灯不亮', externalRef: 'CASE-0001' });
      t.equal(r.status, 400, `${who} ${channel}`);
      t.equal(r.json.error.code, 'adapter_channel');
    }
  }
  const none = await h.ctx.ticketStore.list({}, { limit: 10 });
  t.equal(none.items.length, 0, 'no ticket was made');
  const web = await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', content: '红都大道路灯不亮', externalRef: 'paper-17' });
  t.equal(web.status, 201, "a person's own channels still work");
});
