import t, { type Test } from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { SqlStateStore } from '../../../adapters/db/misc-stores.js';
import { LocalEventBus } from '../../../adapters/bus/local-bus.js';
import { TOPIC } from '../../../src/application/ports/events.js';
import { SimSmsSender } from '../../../adapters/sim/sms.js';
import { WechatMpApiClient, WechatMpNotifier, findMobile, splitUtf8 } from '../../../adapters/wechat-mp/api-client.js';
import { listUndelivered } from '../../../src/application/conversation/wiring.js';
import { FakeWechatApi } from '../../fakes/fake-wechat-api.js';
import { freshDatabase } from '../../helpers/db.js';

const APPID = 'wx0123456789abcdef';
const SECRET = 'a-secret-that-is-not-real';
const HOUR = 3600_000;

async function setup(t: Test, secret = SECRET) {
  const fake = new FakeWechatApi(APPID, SECRET);
  const apiBase = await fake.start();
  t.teardown(() => fake.stop());
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const api = new WechatMpApiClient({ apiBase, appId: APPID, secret }, clock);
  return { fake, clock, api };
}

t.test('access_token: fetched with appid and secret, cached, refreshed before expiry', async (t) => {
  const { fake, clock, api } = await setup(t);
  await api.sendText('oCitizen1', '第一条');
  await api.sendText('oCitizen1', '第二条');
  t.equal(fake.tokenRequests, 1, 'one token for both messages');
  const tokenReq = fake.requests.find((r) => r.path === '/cgi-bin/token')!;
  t.same(tokenReq.query, { grant_type: 'client_credential', appid: APPID, secret: SECRET });
  t.same(
    fake.sent.map((m) => [m.touser, m.content]),
    [
      ['oCitizen1', '第一条'],
      ['oCitizen1', '第二条'],
    ],
  );
  t.equal(fake.sent[0].accessToken, fake.sent[1].accessToken);

  clock.advance(7200_000 - 6 * 60_000); // still outside the 5-minute margin
  await api.sendText('oCitizen1', '第三条');
  t.equal(fake.tokenRequests, 1, 'not refreshed early');
  clock.advance(2 * 60_000); // now inside the margin
  await api.sendText('oCitizen1', '第四条');
  t.equal(fake.tokenRequests, 2, 'refreshed before WeChat expires it');
  t.not(fake.sent[3].accessToken, fake.sent[0].accessToken);
});

t.test('access_token: refreshed once when WeChat says expired (42001) or invalid (40001)', async (t) => {
  const { fake, api } = await setup(t);
  await api.sendText('o1', 'a');
  fake.expireTokens();
  await api.sendText('o1', 'b');
  t.equal(fake.tokenRequests, 2);
  fake.invalidateTokens();
  await api.sendText('o1', 'c');
  t.equal(fake.tokenRequests, 3);
  t.same(
    fake.sent.map((m) => m.content),
    ['a', 'b', 'c'],
  );
  const refused = fake.requests.filter((r) => r.path === '/cgi-bin/message/custom/send').length;
  t.equal(refused, 5, 'each refused send was repeated exactly once');
});

t.test('concurrent senders share one token fetch', async (t) => {
  const { fake, api } = await setup(t);
  await Promise.all(Array.from({ length: 8 }, (_, i) => api.sendText(`o${i}`, `m${i}`)));
  t.equal(fake.tokenRequests, 1);
  t.equal(fake.sent.length, 8);
});

t.test('wrong secret and other errcodes surface as WechatApiError', async (t) => {
  const { api } = await setup(t, 'wrong-secret');
  await t.rejects(api.sendText('o1', 'x'), { errcode: 40125, code: 'wechat_api' });
  const ok = await setup(t);
  ok.fake.refuseSend = 45015;
  await t.rejects(ok.api.sendText('o1', 'x'), { errcode: 45015, code: 'wechat_api' });
  const down = new WechatMpApiClient({ apiBase: 'http://127.0.0.1:9', appId: APPID, secret: SECRET }, new FakeClock(0), { timeoutMs: 500 });
  await t.rejects(down.sendText('o1', 'x'), { code: 'wechat_unreachable' });
});

t.test('long texts are split under the 2048-byte limit without cutting characters', async (t) => {
  const { fake, api } = await setup(t);
  const long = '路灯坏了'.repeat(300); // 3600 bytes
  await api.sendText('o1', long);
  t.equal(fake.sent.length, 2);
  t.equal(fake.sent.map((m) => m.content).join(''), long);
  for (const m of fake.sent) t.ok(Buffer.byteLength(m.content) <= 2000);
  t.same(splitUtf8(''), ['']);
  t.same(splitUtf8('ab😀c', 5), ['ab', '😀c']);
});

t.test('findMobile picks a mainland mobile out of a message', async (t) => {
  t.equal(findMobile('我的电话是13912345678，请联系'), '13912345678');
  t.equal(findMobile('电话 +86 13912345678'), '13912345678');
  t.equal(findMobile('１３９１２３４５６７８'), '13912345678', 'full-width digits');
  t.equal(findMobile('工单20261126-0001'), null);
  t.equal(findMobile('139123456789'), null, 'twelve digits is not a mobile');
});

t.test('48-hour window: WeChat inside it, SMS after it, recorded when there is no phone', async (t) => {
  const { fake, clock, api } = await setup(t);
  const { db } = await freshDatabase(t, 'sqlite');
  const state = new SqlStateStore(db);
  const bus = new LocalEventBus();
  const sms = new SimSmsSender(clock, bus);
  const notifier = new WechatMpNotifier({ state, sms, clock, bus }, api);

  await notifier.noteInbound('oWithPhone', '路灯坏了，我的电话13912345678');
  await notifier.noteInbound('oNoPhone', '路灯坏了');
  clock.advance(47 * HOUR);
  t.same(await notifier.send('oWithPhone', '您的工单已办结'), { via: 'wechat' });
  t.equal(fake.sent.length, 1);

  clock.advance(1 * HOUR + 1); // 48 h after the last message
  t.equal(await notifier.inWindow('oWithPhone'), false);
  t.same(await notifier.send('oWithPhone', ['您的工单已办结', '请回复1/2/3评价'], 'T1'), { via: 'sms' });
  t.equal(fake.sent.length, 1, 'nothing more went to WeChat');
  t.equal(sms.sent.length, 1);
  t.match(sms.sent[0], { to: '13912345678', ref: 'T1' });
  t.match(sms.sent[0].text, /^【12345热线】您的工单已办结\n请回复1\/2\/3评价$/);

  const undelivered: unknown[] = [];
  bus.subscribe(TOPIC.undelivered, (p) => undelivered.push(p));
  const r = await notifier.send('oNoPhone', '您的工单已办结');
  t.equal(r.via, 'none');
  t.match(r, { reason: /outside_48h_window;no_phone/ });
  const list = await listUndelivered({ state, clock });
  t.equal(list.length, 1);
  t.match(list[0], { channel: 'wechat-mp', contactId: 'oNoPhone', texts: ['您的工单已办结'] });
  t.equal(undelivered.length, 1);

  // A new message from the citizen opens the window again.
  await notifier.noteInbound('oNoPhone', '你好');
  t.same(await notifier.send('oNoPhone', '在的'), { via: 'wechat' });
});

t.test('WeChat refusing inside the window (45015) falls back to SMS for the unsent rest', async (t) => {
  const { fake, clock, api } = await setup(t);
  const { db } = await freshDatabase(t, 'sqlite');
  const state = new SqlStateStore(db);
  const bus = new LocalEventBus();
  const sms = new SimSmsSender(clock, bus);
  const notifier = new WechatMpNotifier({ state, sms, clock, bus }, api);
  await notifier.noteInbound('o1', '13700001111');
  fake.refuseSend = 45015;
  t.same(await notifier.send('o1', ['一', '二']), { via: 'sms' });
  t.match(sms.sent[0], { to: '13700001111', text: '【12345热线】一\n二' });
  await notifier.rememberPhone('oNew', '13800002222');
  t.same(await notifier.send('oNew', '通知'), { via: 'sms' }, 'a phone alone does not open the window');
});
