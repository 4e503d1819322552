import t from 'tap';
import { testApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { Open311Store } from '../../src/application/platforms/open311.js';
import { signedHeaders } from '../../src/application/platforms/signature.js';
import { stripBadDeep, findBadText } from '../../src/domain/text.js';
import { T } from '../../src/application/conversation/texts.js';
import { mpXml, replyContent, signedQuery } from '../e2e/wechat-harness.js';
import twilio from 'twilio';
import { FakeTwilio } from '../fakes/fake-twilio.js';

/**
 * Issue 19, item 4: a NUL byte or a lone surrogate is checked once at the edge, on both engines
 * alike: refused with 400 and the error shape, or stripped from a signed push (which would be
 * retried forever). PostgreSQL used to answer 500.
 */

t.test('the helpers', async (t) => {
  t.equal(findBadText({ a: ['ok', 'x\u0000'] }), 'a[1]');
  t.equal(findBadText({ a: '😀 pairs are fine' }), null);
  t.equal(findBadText('\ud83d'), '(value)');
  t.same(stripBadDeep({ a: 'x\u0000y\udc00', b: ['\ud800z'], n: 1 }), { a: 'xy', b: ['z'], n: 1 });
});

if (!process.env.SUBAN_TEST_PG_URL) t.comment('PostgreSQL variant skipped: SUBAN_TEST_PG_URL is not set');

const SECRET = 'text-edge-platform-secret';

for (const engine of ENGINES) {
  t.test(`NUL and lone surrogates on ${engine}`, async (t) => {
    const h = await testApp(t, { engine, env: { SUBAN_WEBHOOK_RATE_LIMIT: '0', SUBAN_PLATFORM_HOTLINE_12315_SECRET: SECRET } });
    const json = (who: 'operator' | null, method: string, url: string, raw: string) =>
      h.app.inject({ method: method as 'POST', url, headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${h.tokens[who]}` } : {}) }, payload: raw });
    const refused = (r: { statusCode: number; json(): any }, what: string) => {
      t.equal(r.statusCode, 400, `${what}: 400`);
      t.equal(r.json()?.error?.code, 'invalid_text', `${what}: our error shape`);
    };

    refused(await json('operator', 'POST', '/api/v1/tickets', JSON.stringify({ content: '路灯坏了\u0000', contact: '13800001111' })), 'NUL in a ticket');
    refused(await json('operator', 'POST', '/api/v1/tickets', '{"content":"路灯\\ud800坏了","contact":"13800001111"}'), 'lone surrogate in a ticket');
    refused(await json(null, 'POST', '/api/v1/auth/login', JSON.stringify({ name: 'op\u0000', password: 'whatever-pw' })), 'NUL in a login (no credentials)');
    refused(await json(null, 'POST', '/api/v1/auth/login', '{"name":"\\udc00op","password":"whatever-pw"}'), 'lone surrogate in a login');
    refused(await h.app.inject({ method: 'GET', url: '/api/v1/tickets?q=%00', headers: { authorization: `Bearer ${h.tokens.operator}` } }), 'NUL in a query');
    refused(await h.app.inject({ method: 'GET', url: '/api/v1/tickets/by-number/2026%00', headers: { authorization: `Bearer ${h.tokens.operator}` } }), 'NUL in a path parameter');

    // Open311 (no session; its own error array).
    const key = await new Open311Store(h.ctx.state, () => h.clock.now()).registerClient('app');
    const o = await h.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ api_key: key, service_code: 'streetlight', description: '路灯\u0000坏了', address_string: '红都大道' }).toString(),
    });
    t.equal(o.statusCode, 400, 'Open311: 400');
    t.equal(o.json()[0].code, 400, 'Open311: its standard error array');

    // A signed platform push is stripped, not refused.
    const body = JSON.stringify({ complaintNo: 'NUL-1', appealTitle: '电饭煲\u0000质量问题', appealContent: '内胆涂层脱落\ud800，商家拒绝退换', consumerPhone: '13907971234', businessType: '投诉', incidentAddress: '象湖镇红都大道', handleOrg: '市市场监管局', caseStatus: '已分送', registerTime: '2026-11-26 09:41:12' });
    const push = await h.app.inject({ method: 'POST', url: '/platforms/hotline-12315/cases', headers: { 'content-type': 'application/json', ...signedHeaders(SECRET, body, h.clock.now()) }, payload: body });
    t.equal(push.statusCode, 201, `the signed push is taken: ${push.body.slice(0, 200)}`);
    const tk = await h.ctx.ticketStore.get(push.json().ticket.id);
    t.notOk(findBadText(tk), 'and stored without NUL or lone surrogates');
    t.match(tk!.content, /内胆涂层脱落，商家拒绝退换/);
    t.equal((await h.app.inject('/healthz')).statusCode, 200);
  });

  t.test(`signed WeChat and Twilio messages with NUL are taken, stripped, on ${engine}`, async (t) => {
    const fake = new FakeTwilio('AC00000000000000000000000000000000', 'tw-token');
    await fake.listen();
    t.teardown(() => fake.close());
    const TW = { SUBAN_SMS: 'twilio', TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000', TWILIO_AUTH_TOKEN: 'tw-token', TWILIO_FROM: '+8612345', TWILIO_API_BASE: fake.baseUrl };
    const MP = { WECHAT_MP_TOKEN: 'mp-token', WECHAT_MP_APPID: 'wx0000000000000000', WECHAT_MP_SECRET: 's', WECHAT_API_BASE: 'http://127.0.0.1:9' };
    const h = await testApp(t, { engine, env: { ...TW, ...MP, SUBAN_WEBHOOK_RATE_LIMIT: '0' } });
    const ts = String(Math.floor(h.clock.now().getTime() / 1000));
    const mp = await h.app.inject({ method: 'POST', url: `/wechat/mp?${signedQuery('mp-token', ts, 'nul-1')}`, headers: { 'content-type': 'text/xml' }, payload: mpXml({ from: 'oNul', createTime: Number(ts), msgId: '9001', type: 'text', content: '红都大道路灯\u0000坏了\ud800' }) });
    t.equal(mp.statusCode, 200);
    t.not(replyContent(mp.body), T.failed, 'the WeChat message was not dropped');
    t.notMatch(h.logs.text, /wechat-mp message failed/);
    const params = { MessageSid: 'SM0000000000000000000000000000nul1', From: '+8613900000077', To: '+8612345', Body: '小区停水\u0000一整天了' };
    const url = 'https://hotline.example.cn/twilio/sms';
    const sms = await h.app.inject({ method: 'POST', url: '/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature('tw-token', url, params) }, payload: new URLSearchParams(params).toString() });
    t.equal(sms.statusCode, 200, `the signed SMS is taken: ${sms.body.slice(0, 120)}`);
    const made = (await h.ctx.ticketStore.list({ contact: '13900000077' }, { limit: 5 })).items;
    t.equal(made.length, 1, 'one ticket');
    t.equal(made[0]?.content, '小区停水一整天了', 'stored without the NUL');
  });
}
