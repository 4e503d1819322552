import t, { type Test } from 'tap';
import type { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/domain/clock.js';
import { T } from '../../../src/application/conversation/texts.js';
import type { ChatInput } from '../../../src/application/conversation/ports.js';
import type { ChatHandler, ConversationDeps } from '../../../src/application/conversation/wiring.js';
import type { WechatyDeps } from '../../../adapters/wechaty/bot.js';
import { BOT_ID, mockBot, waitFor } from './mock-citizen.js';

/** Records what the bot passes on and answers with a fixed script. */
class RecordingEngine implements ChatHandler {
  inputs: ChatInput[] = [];
  answer: (input: ChatInput) => string[] = (i) => [`收到${i.kind}`];
  async handle(input: ChatInput) {
    this.inputs.push(input);
    return this.answer(input);
  }
}

const silentLog = { info() {}, warn() {}, error() {} };

/** With an injected engine the bot touches only config, clock and log. */
function depsFor(clock: FakeClock): WechatyDeps {
  return { ...({} as ConversationDeps), clock, log: silentLog, config: { wechaty: { puppet: 'wechaty-puppet-mock', token: '' } } };
}

async function setup(t: Test, opts: { maxMediaBytes?: number } = {}) {
  const mediaDir = mkdtempSync(join(tmpdir(), 'suban-media-'));
  t.teardown(() => rmSync(mediaDir, { recursive: true, force: true }));
  const engine = new RecordingEngine();
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const mb = await mockBot(t, depsFor(clock), { engine, mediaDir, ...opts });
  return { engine, mediaDir, mb, clock };
}

t.test('private chat: the engine gets a neutral input and every reply goes back in order', async (t) => {
  const { engine, mb, clock } = await setup(t);
  engine.answer = () => ['第一句', '第二句'];
  const zhang = mb.citizen('wxid_zhang', '张三');
  t.same(await zhang.say('解放路路灯坏了'), ['第一句', '第二句']);
  t.match(engine.inputs[0], { channel: 'wechat', contactId: 'wxid_zhang', contactName: '张三', kind: 'text', text: '解放路路灯坏了' });
  t.equal(engine.inputs[0].at.toISOString(), clock.now().toISOString(), 'time from the service clock');
  t.type(engine.inputs[0].messageId, 'string');

  engine.answer = () => ['长'.repeat(3200)];
  const parts = await zhang.say('再说一次');
  t.same(
    parts.map((p) => p.length),
    [1500, 1500, 200],
    'long replies are split',
  );
});

t.test('when the engine fails (database away) the citizen is told the message was not taken', async (t) => {
  const { engine, mb } = await setup(t);
  engine.answer = () => {
    throw new Error('database unreachable');
  };
  const zhang = mb.citizen('wxid_zhang', '张三');
  t.same(await zhang.say('解放路路灯坏了'), [T.failed], 'an apology with the emergency numbers, not silence');
  engine.answer = () => ['已受理'];
  t.same(await zhang.say('解放路路灯坏了'), ['已受理'], 'the next message is handled as usual');
});

t.test('group chats are ignored unless the bot is mentioned; then it answers in the group with an @', async (t) => {
  const { engine, mb } = await setup(t);
  const li = mb.citizen('wxid_li', '李四');
  const wang = mb.citizen('wxid_wang', '王五');
  const room = mb.mocker.createRoom({ topic: '金都花园业主群', memberIdList: [BOT_ID, li.id, wang.id] });
  const inRoom: string[] = [];
  (room as unknown as EventEmitter).on('message', (m: { talker(): { id: string }; text(): string | undefined }) => {
    if (m.talker().id === BOT_ID) inRoom.push(m.text() ?? '');
  });
  engine.answer = (i) => [`已收到：${i.text}`];

  let before = mb.handle.stats.received;
  li.contact.say('今晚小区停水了吗').to(room);
  wang.contact.say('@李四 不知道', [li.contact]).to(room);
  await mb.settle(before, 2);
  t.equal(engine.inputs.length, 0, 'chatter in the group does not reach the engine');
  t.equal(mb.handle.stats.ignored, 2);

  before = mb.handle.stats.received;
  li.contact.say('@12345热线 小区门口的路灯坏了', [mb.botUser]).to(room);
  await mb.settle(before);
  await waitFor(() => inRoom.length > 0, 'the answer in the group');
  t.equal(engine.inputs.length, 1);
  t.match(engine.inputs[0], { contactId: 'wxid_li', kind: 'text', text: '小区门口的路灯坏了' });
  t.match(inRoom[0], /@李四/);
  t.match(inRoom[0], /已收到：小区门口的路灯坏了/);
  t.same(li.heard, [], 'nothing sent privately');
});

t.test('images and voice are saved under the media directory and passed as attachment urls', async (t) => {
  const { engine, mb, mediaDir } = await setup(t);
  const zhao = mb.citizen('wxid_zhao', '赵六');
  const png = Buffer.from('\x89PNG fake picture of a broken street lamp', 'latin1');
  t.same(await zhao.sendImage(png), ['收到image']);
  const sha = createHash('sha256').update(png).digest('hex').slice(0, 32);
  t.match(engine.inputs[0], { kind: 'image', mediaUrl: `/media/wechat/${sha}.png` });
  t.same(readFileSync(join(mediaDir, 'wechat', `${sha}.png`)), png);
  await zhao.sendImage(png, 'again.png');
  t.equal(engine.inputs[1].mediaUrl, engine.inputs[0].mediaUrl, 'the same picture is stored once');
  t.equal(readdirSync(join(mediaDir, 'wechat')).length, 1);

  const silk = Buffer.from('#!SILK_V3 fake voice');
  await zhao.sendVoice(silk);
  t.match(engine.inputs[2], { kind: 'voice', mediaUrl: /^\/media\/wechat\/[0-9a-f]{32}\.silk$/ });
  t.ok(existsSync(join(mediaDir, engine.inputs[2].mediaUrl!.replace('/media/', ''))));

  await zhao.sendLocation();
  t.match(engine.inputs[3], { kind: 'location', location: { lat: 39.995121, lng: 116.334154, label: /东升乡人民政府/ } });

  const video = await zhao.sendVideo();
  t.same(video, [T.unsupported], 'other kinds get a hint and do not reach the engine');
  t.equal(engine.inputs.length, 4);
});

t.test('media over the size limit are not kept', async (t) => {
  const { engine, mb, mediaDir } = await setup(t, { maxMediaBytes: 16 });
  const qian = mb.citizen('wxid_qian', '钱七');
  const replies = await qian.sendImage(Buffer.alloc(64, 1));
  t.match(replies[0], /过大/);
  t.equal(engine.inputs.length, 0);
  t.notOk(existsSync(join(mediaDir, 'wechat')));
});

t.test('sendToContact reaches the citizen; the bot does not answer itself', async (t) => {
  const { engine, mb } = await setup(t);
  const sun = mb.citizen('wxid_sun', '孙八');
  const before = mb.handle.stats.received;
  await mb.handle.sendToContact('wxid_sun', '您的工单20261126-0001已办结，请回复1满意、2基本满意、3不满意。');
  await waitFor(() => sun.heard.length === 1, 'the notice');
  t.match(sun.heard[0], /已办结/);
  // A gate rather than a pause: the citizen's next message comes through the same puppet after the
  // bot's own one, so once it is handled the bot's own message would have been handled too.
  t.same(await sun.say('收到'), ['收到text']);
  t.equal(mb.handle.stats.received, before + 1, 'its own message is not handled, only the citizen\'s');
  t.same(engine.inputs.map((i) => [i.contactId, i.text]), [['wxid_sun', '收到']]);
  await t.rejects(mb.handle.sendToContact('wxid_nobody', 'x'), { code: 'wechat_contact_not_found' });
  await mb.stop();
  await t.rejects(mb.handle.sendToContact('wxid_sun', 'x'), { code: 'wechaty_offline' });
});

t.test('the puppet named by WECHATY_PUPPET is loaded by name', async (t) => {
  const { startWechatyBot } = await import('../../../adapters/wechaty/bot.js');
  const handle = await startWechatyBot(depsFor(new FakeClock(0)), { engine: new RecordingEngine() });
  t.teardown(() => handle.stop());
  t.equal(handle.bot.puppet.constructor.name, 'PuppetMock');
  t.equal(handle.bot.isLoggedIn, false, 'no account logged in until a QR code is scanned');
});

t.test('without a puppet the bot refuses to start', async (t) => {
  const { startWechatyBot } = await import('../../../adapters/wechaty/bot.js');
  const deps = { ...depsFor(new FakeClock(0)), config: { wechaty: { puppet: '', token: '' } } };
  await t.rejects(startWechatyBot(deps, { engine: new RecordingEngine() }), { code: 'wechaty_no_puppet' });
});
