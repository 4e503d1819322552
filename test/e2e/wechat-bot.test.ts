/**
 * A citizen talking to the wechaty bot (wechaty-puppet-mock), end to end: private chat → the
 * conversation engine → intake → the ticket in the database, across a restart of the service and
 * the bot; then a 回访 question sent to the chat and the citizen's answer recorded on the ticket.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/domain/clock.js';
import { T } from '../../src/application/conversation/texts.js';
import { chatOutbox, markFollowupPending } from '../../src/application/conversation/wiring.js';
import { mockBot } from '../adapters/wechaty/mock-citizen.js';
import { startService, tempDatabaseUrl } from './wechat-harness.js';

const numberIn = (texts: string[]) => texts.map((x) => /工单号：(\d{8}-\d{4,})/.exec(x)?.[1]).find(Boolean) ?? null;

t.test('from the first message to a ticket number on the bot, with a restart in the middle', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const dbUrl = tempDatabaseUrl(t);
  const mediaDir = mkdtempSync(join(tmpdir(), 'suban-bot-media-'));
  t.teardown(() => rmSync(mediaDir, { recursive: true, force: true }));

  let svc = await startService(t, { dbUrl, clock });
  let mb = await mockBot(t, svc.ctx, { mediaDir });
  let zhang = mb.citizen('wxid_zhangsan', '张三');

  t.same(await zhang.say('你好'), [T.greeting, T.askDescription]);
  clock.advance(30_000);
  t.same(await zhang.say('小区门口路灯坏了，晚上很黑'), [T.askPlace]);
  clock.advance(30_000);
  t.same(await zhang.sendImage(Buffer.from('\x89PNG lamp', 'latin1')), [T.imageReceived, T.askPlace]);
  clock.advance(30_000);
  t.same(await zhang.sendVoice(Buffer.from('#!SILK_V3 voice')), [T.voiceReceived, T.askPlace]);

  // Restart: the bot and the whole service go down and come back on the same database.
  await mb.stop();
  await svc.close();
  clock.advance(3 * 60_000);
  svc = await startService(t, { dbUrl, clock });
  mb = await mockBot(t, svc.ctx, { mediaDir });
  zhang = mb.citizen('wxid_zhangsan', '张三');

  const summary = await zhang.sendLocation();
  t.equal(summary.length, 2);
  t.match(summary[0], /^已收到位置：东升乡人民政府/, 'the conversation carried on after the restart');
  t.match(summary[1], /【问题】小区门口路灯坏了，晚上很黑/);
  t.match(summary[1], /【附件】图片1张、语音1条/);
  clock.advance(30_000);
  const done = await zhang.say('是');
  const number = numberIn(done);
  t.ok(number, `ticket number in ${JSON.stringify(done)}`);
  t.match(done[0], /前答复您/);

  const ctx = svc.ctx;
  const ticket = (await ctx.tickets.getByNumber(number!))!;
  t.match(ticket, { channel: 'wechat', contact: 'wxid_zhangsan', contactName: '张三', content: '小区门口路灯坏了，晚上很黑', place: /东升乡人民政府/ });
  t.match(
    ticket.attachments.map((a) => [a.kind, a.url]),
    [
      ['image', /^\/media\/wechat\/[0-9a-f]{32}\.png$/],
      ['voice', /^\/media\/wechat\/[0-9a-f]{32}\.silk$/],
      ['file', 'geo:39.995121,116.334154'],
    ],
  );
  t.match(await zhang.say(`查询 ${number}`), [new RegExp(`工单${number}：当前状态`)]);
  t.same(await zhang.say('帮助'), [T.help]);

  t.test('回访 through the chat: the question goes out, the answer reopens the ticket', async (t) => {
    const unitUser = { id: 'unit-user', role: 'unit' as const, unit: ticket.unit };
    t.ok(ticket.unit, 'dispatched automatically');
    await ctx.tickets.apply(ticket.id, unitUser, 'console', () => [{ type: 'signed' }]);
    await ctx.tickets.apply(ticket.id, unitUser, 'console', () => [{ type: 'replied', reply: '已更换灯泡' }]);
    await markFollowupPending(ctx, 'wechat', 'wxid_zhangsan', ticket);
    const outbox = chatOutbox({ wechat: mb.handle });
    t.equal(await outbox.lastInboundAt('wechat', 'wxid_zhangsan'), null, 'the bot has no send window');
    await outbox.send('wechat', 'wxid_zhangsan', `工单${number}已办理：已更换灯泡。请回复1满意、2基本满意、3不满意。`);
    const heardBefore = zhang.heard.length;
    t.match(await zhang.say('3 未解决'), [/感谢您的反馈，已记录/]);
    t.match(zhang.heard[heardBefore - 1], /请回复1满意/);
    const after = (await ctx.tickets.getByNumber(number!))!;
    const events = await ctx.ticketStore.events(ticket.id);
    const followed = events.find((e) => e.data.type === 'followed_up');
    t.match(followed, { actorRole: 'citizen', actorId: 'wxid_zhangsan', via: 'wechat', data: { result: { satisfaction: '不满意', solved: false, reason: /3 未解决/ } } });
    t.match(events.at(-1)?.data, { type: 'reopened' });
    t.not(after.state, 'closed');
    t.equal(after.reopenCount, 1);
  });
});

t.test('即办 on the bot: one message, a ticket at once, and the emergency number', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const svc = await startService(t, { clock });
  const mediaDir = mkdtempSync(join(tmpdir(), 'suban-bot-media-'));
  t.teardown(() => rmSync(mediaDir, { recursive: true, force: true }));
  const mb = await mockBot(t, svc.ctx, { mediaDir });
  const li = mb.citizen('wxid_lisi', '李四');
  const replies = await li.say('红都大道有人打架，还有人持刀');
  const number = numberIn(replies);
  t.ok(number, JSON.stringify(replies));
  t.match(replies.join('\n'), /即办件/);
  t.match(replies.join('\n'), /110/);
  const ticket = (await svc.ctx.tickets.getByNumber(number!))!;
  t.match(ticket, { urgent: true, channel: 'wechat', contact: 'wxid_lisi' });
});
