/**
 * A citizen on the Official Account, end to end: webhook → conversation engine → intake → the
 * ticket in the database, with a restart of the whole service in the middle, then notices and a
 * 回访 through the customer-service API, the 48-hour window and the SMS fallback.
 */
import { wechatMpRoutes } from '../../src/web/routes/webhooks/wechat-mp.js';
import t, { type Test } from 'tap';
import { FakeClock } from '../../src/domain/clock.js';
import { TOPIC } from '../../src/application/ports/events.js';
import { T } from '../../src/application/conversation/texts.js';
import { chatOutbox, listHandovers, markFollowupPending, type HandoverEvent } from '../../src/application/conversation/wiring.js';
import type { Container } from '../../src/composition/container.js';
import { createWechatMp, type WechatMp } from '../../adapters/wechat-mp/inbox.js';
import { FakeWechatApi } from '../fakes/fake-wechat-api.js';
import { mpXml, replyContent, signedQuery, startService, tempDatabaseUrl, type MpMessage, type WechatService } from './wechat-harness.js';

const TOKEN = 'e2e-token';
const APPID = 'wxe2e0000000000001';
const SECRET = 'e2e-secret';
const HOUR = 3600_000;

let seq = 9_100_000_000_000_000_000n;

async function fakeApi(t: Test) {
  const fake = new FakeWechatApi(APPID, SECRET);
  const base = await fake.start();
  t.teardown(() => fake.stop());
  return { fake, base };
}

async function boot(t: Test, clock: FakeClock, apiBase: string, dbUrl?: string) {
  let mp!: WechatMp;
  const svc = await startService(t, {
    dbUrl,
    clock,
    env: { WECHAT_MP_TOKEN: TOKEN, WECHAT_MP_APPID: APPID, WECHAT_MP_SECRET: SECRET, WECHAT_API_BASE: apiBase },
    plugins: (ctx) => {
      mp = createWechatMp(ctx);
      return [wechatMpRoutes(mp, ctx.log)];
    },
  });
  return { svc, mp };
}

/** The citizen's phone: sends one message, returns the passive reply text (null for `success`). */
function citizen(get: () => WechatService, clock: FakeClock, openid: string) {
  return async (m: Omit<MpMessage, 'from' | 'createTime'>): Promise<string | null> => {
    clock.advance(20_000);
    const ts = Math.floor(clock.now().getTime() / 1000);
    const res = await get().app.inject({
      method: 'POST',
      url: `/wechat/mp?${signedQuery(TOKEN, String(ts), `n${ts}`, { openid })}`,
      headers: { 'content-type': 'text/xml' },
      payload: mpXml({ from: openid, createTime: ts, msgId: m.type === 'event' ? undefined : String(++seq), ...m }),
    });
    if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
    return replyContent(res.body);
  };
}

const numberIn = (text: string | null) => /工单号：(\d{8}-\d{4,})/.exec(text ?? '')?.[1] ?? null;

t.test('from the first message to a ticket number, with a restart in the middle', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const dbUrl = tempDatabaseUrl(t);
  const { fake, base } = await fakeApi(t);
  let current = await boot(t, clock, base, dbUrl);
  const zhang = citizen(() => current.svc, clock, 'oZhangSan');

  t.equal(await zhang({ type: 'event', event: 'subscribe' }), T.welcome);
  t.equal(await zhang({ type: 'text', content: '我家门口的路灯坏了三盏，晚上很黑，我的电话13912345678' }), `${T.greeting}\n\n${T.askPlace}`);
  t.equal(await zhang({ type: 'image', picUrl: 'http://mmbiz.qpic.cn/mmbiz_jpg/lamp.jpg', mediaId: 'img-1' }), `${T.imageReceived}\n\n${T.askPlace}`);
  t.equal(await zhang({ type: 'voice', mediaId: 'voice-1' }), `${T.voiceReceived}\n\n${T.askPlace}`);

  // The service restarts: a new container and app on the same database file.
  await current.svc.close();
  clock.advance(5 * 60_000);
  current = await boot(t, clock, base, dbUrl);

  const summary = await zhang({ type: 'location', lat: 25.885, lng: 116.027, label: '江西省瑞金市象湖镇金都花园' });
  t.match(summary, /^已收到位置：江西省瑞金市象湖镇金都花园。/, 'the conversation carried on after the restart');
  t.match(summary, /【问题】我家门口的路灯坏了三盏，晚上很黑/);
  t.match(summary, /【地点】江西省瑞金市象湖镇金都花园/);
  t.match(summary, /【附件】图片1张、语音1条/);

  const done = await zhang({ type: 'text', content: '是' });
  const number = numberIn(done);
  t.ok(number, `ticket number in "${done}"`);
  t.match(done, /前答复您/);

  const ctx = current.svc.ctx;
  const ticket = (await ctx.tickets.getByNumber(number!))!;
  t.match(ticket, {
    channel: 'wechat-mp',
    contact: 'oZhangSan',
    content: '我家门口的路灯坏了三盏，晚上很黑，我的电话13912345678',
    place: '江西省瑞金市象湖镇金都花园',
    urgent: false,
  });
  t.ok(ticket.unit, `dispatched automatically (to ${ticket.unit})`);
  t.same(
    ticket.attachments.map((a) => [a.kind, a.url]),
    [
      ['image', 'http://mmbiz.qpic.cn/mmbiz_jpg/lamp.jpg'],
      ['voice', 'wechat-mp-media:voice-1'],
      ['file', 'geo:25.885,116.027'],
    ],
  );
  t.same(ticket.location, { lat: 25.885, lng: 116.027, source: 'wechat-mp' }, 'the shared location is kept on the ticket (the board\'s map)');
  const events = await ctx.ticketStore.events(ticket.id);
  t.match(events[0], { actorRole: 'citizen', actorId: 'oZhangSan', via: 'wechat-mp' });
  const note = events.find((e) => e.data.type === 'note');
  t.match(note?.data, { type: 'note', text: /微信对话记录：[\s\S]*群众：我家门口的路灯坏了三盏[\s\S]*机器人：请问问题发生在什么地方/ });

  // Status queries: the owner sees it, someone else cannot probe the number.
  t.match(await zhang({ type: 'text', content: `查询 ${number}` }), new RegExp(`工单${number}：当前状态“(已受理|已派单)”`));
  const li = citizen(() => current.svc, clock, 'oLiSi');
  t.match(await li({ type: 'text', content: `查询 ${number}` }), /未找到您提交的工单/);

  t.test('after the ticket: notices inside 48 h by WeChat, after it by SMS; the 回访 answer lands on the ticket', async (t) => {
    const c: Container = current.svc.ctx;
    const mp = current.mp;

    clock.advance(2 * HOUR);
    const lastSeen = await mp.lastInboundAt('oZhangSan');
    const sinceLast = clock.now().getTime() - (lastSeen?.getTime() ?? 0);
    t.ok(sinceLast >= 2 * HOUR && sinceLast < 2 * HOUR + 60_000, 'the last message is when the window opened');
    t.same(await mp.notifier.send('oZhangSan', `您的工单${number}已派至承办单位办理。`), { via: 'wechat' });
    t.same(
      fake.sent.map((m) => [m.touser, m.content]),
      [['oZhangSan', `您的工单${number}已派至承办单位办理。`]],
    );
    t.equal(fake.tokenRequests, 1);

    // The unit replies; two days later the follow-up question goes out, now outside the window.
    const unitUser = { id: 'unit-user', role: 'unit' as const, unit: ticket.unit };
    await c.tickets.apply(ticket.id, unitUser, 'console', () => [{ type: 'signed' }]);
    await c.tickets.apply(ticket.id, unitUser, 'console', () => [{ type: 'replied', reply: '已修复路灯' }]);
    clock.advance(47 * HOUR);
    const question = `您反映的问题（工单${number}）已办理：已修复路灯。请回复1满意、2基本满意、3不满意，或回复“已解决”“未解决”。`;
    // The follow-up service's strict path: in the chat or an error, never a silent SMS.
    const outbox = chatOutbox({ 'wechat-mp': mp, wechat: null });
    await t.rejects(outbox.send('wechat-mp', 'oZhangSan', question), { code: 'wechat_window_closed' });
    await t.rejects(outbox.send('wechat', 'wxid_x', question), { code: 'chat_channel_off' });
    const delivery = await mp.notifier.send('oZhangSan', question, number!);
    t.same(delivery, { via: 'sms' }, 'outside the 48-hour window');
    t.equal(fake.sent.length, 1, 'nothing more to WeChat');
    const sms = c.simSms!.sent.at(-1)!;
    t.match(sms, { to: '13912345678', ref: number });
    t.match(sms.text, /请回复1满意/);
    await markFollowupPending(c, 'wechat-mp', 'oZhangSan', ticket);

    const thanks = await zhang({ type: 'text', content: '1 已解决' });
    t.match(thanks, new RegExp(`感谢您的评价，已记录（工单${number}）`));
    const after = (await c.tickets.getByNumber(number!))!;
    t.equal(after.state, 'closed');
    t.match(after.followUp, { satisfaction: '满意', solved: true, via: 'wechat-mp' });
    t.equal(await c.state.get('followup-pending', 'wechat-mp:oZhangSan', clock.now()), null, 'the question is answered');
  });
});

t.test('即办: urgent content skips the questions and the ticket is made at once', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const { base } = await fakeApi(t);
  const { svc } = await boot(t, clock, base);
  const wang = citizen(() => svc, clock, 'oWangWu');
  const reply = await wang({ type: 'text', content: '红都大道有家饭店着火了，里面有人受伤' });
  const number = numberIn(reply);
  t.ok(number, 'a ticket number in the first answer');
  t.match(reply, /即办件/);
  t.match(reply, /119/);
  t.match(reply, /120/);
  const ticket = (await svc.ctx.tickets.getByNumber(number!))!;
  t.match(ticket, { urgent: true, channel: 'wechat-mp', contact: 'oWangWu', content: '红都大道有家饭店着火了，里面有人受伤' });
});

t.test('人工: the citizen appears in the operator console and further messages are relayed', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const { base } = await fakeApi(t);
  const { svc } = await boot(t, clock, base);
  const events: HandoverEvent[] = [];
  svc.ctx.bus.subscribe(TOPIC.handover, (p) => events.push(p));
  const zhao = citizen(() => svc, clock, 'oZhaoLiu');
  await zhao({ type: 'text', content: '我想问一下社保卡怎么补办' });
  t.equal(await zhao({ type: 'text', content: '人工' }), T.handedOver);
  t.equal(await zhao({ type: 'text', content: '我在象湖镇' }), null, 'the bot stays quiet while an operator has it');
  const waiting = await listHandovers(svc.ctx);
  t.equal(waiting.length, 1);
  t.match(waiting[0], { channel: 'wechat-mp', contactId: 'oZhaoLiu' });
  t.same(
    waiting[0].transcript.filter((l) => l.from === 'citizen').map((l) => l.text),
    ['我想问一下社保卡怎么补办', '人工', '我在象湖镇'],
  );
  t.same(
    events.map((e) => e.first),
    [true, false],
  );
});
