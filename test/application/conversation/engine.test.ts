import t from 'tap';
import { T } from '../../../src/application/conversation/texts.js';
import { setup } from './fakes.js';

const MIN = 60_000;

t.test('full conversation: greeting, description with place, read-back, 是 → ticket', async (t) => {
  const { ports, store, say } = setup();
  t.same(await say('你好'), [T.greeting, T.askDescription]);
  const summary = await say('解放路的路灯坏了三盏，晚上很黑');
  t.equal(summary.length, 1);
  t.match(summary[0], /【问题】解放路的路灯坏了三盏，晚上很黑/);
  t.match(summary[0], /【地点】解放路/);
  t.match(summary[0], /【类别】求助/);
  t.match(summary[0], /回复“是”提交/);
  t.equal(ports.created.length, 0, 'nothing created before confirmation');

  const done = await say('是');
  t.same(done, [
    '您的诉求已受理，工单号：20260302-0001。\n承办单位将在2026年3月6日（星期五）18:00前答复您。\n如需查询办理进度，请发送“查询 20260302-0001”。感谢您的反映！',
  ]);
  t.equal(ports.created.length, 1);
  const input = ports.created[0];
  t.match(input, {
    channel: 'wechat-mp',
    contactId: 'oCitizen1',
    content: '解放路的路灯坏了三盏，晚上很黑',
    category: '求助',
    urgent: false,
    unit: '市城管局',
    place: '解放路',
    location: null,
    attachments: [],
  });
  t.match(input.idempotencyKey, /^conversation:wechat-mp:oCitizen1:\d+$/);
  t.same(input.transcript.map((l) => l.from), ['citizen', 'bot', 'bot', 'citizen', 'bot', 'citizen']);
  t.equal(input.transcript[0].text, '你好');
  t.equal(store.size > 0, true);
  t.notMatch(await store.get('conv:wechat-mp:oCitizen1'), { t: 'conversation' }, 'conversation cleared after the ticket (only its ending is kept, for a retry)');
  t.same(await say('你好'), [T.greeting, T.askDescription], 'a new conversation starts afterwards');
});

t.test('place asked when the text has none; the answer becomes the place', async (t) => {
  const { ports, say } = setup();
  t.same(await say('我家门口的下水道堵了，污水漫到路上'), [T.greeting, T.askPlace]);
  const summary = await say('象湖镇金都花园3栋');
  t.match(summary[0], /【地点】象湖镇金都花园3栋/);
  t.match(ports.classified.at(-1), /下水道堵了[\s\S]*象湖镇金都花园3栋/, 'classifier sees description and place together');
  await say('是的');
  t.match(ports.created[0], { place: '象湖镇金都花园3栋', township: '象湖镇', content: '我家门口的下水道堵了，污水漫到路上' });
});

t.test('a shared location is used as the place, before or after the description', async (t) => {
  const { ports, say, send } = setup();
  t.same(await say('路灯不亮了'), [T.greeting, T.askPlace]);
  const summary = await send({ kind: 'location', location: { lat: 25.885, lng: 116.027, label: '江西省瑞金市象湖镇红都大道88号' } });
  t.equal(summary[0], '已收到位置：江西省瑞金市象湖镇红都大道88号。');
  t.match(summary[1], /【地点】江西省瑞金市象湖镇红都大道88号/);
  await say('是');
  t.match(ports.created[0], { place: '江西省瑞金市象湖镇红都大道88号', location: { lat: 25.885, lng: 116.027 } });

  const other = setup();
  const first = await other.send({ kind: 'location', location: { lat: 25.9, lng: 116.0, label: '瑞金市人民公园' } });
  t.same(first, [T.greeting, '已收到位置：瑞金市人民公园。', T.askDescription]);
  const s2 = await other.say('健身器材坏了，有尖角容易划伤小孩');
  t.match(s2[0], /【地点】瑞金市人民公园/);
});

t.test('images and voice are kept as attachments; recognised voice counts as text', async (t) => {
  const { ports, say, send } = setup();
  t.same(await send({ kind: 'image', mediaUrl: 'wechat-mp-media:img1' }), [T.greeting, T.imageNeedsText]);
  const summary = await say('解放路边垃圾堆了一个星期没人清理');
  t.match(summary[0], /【附件】图片1张/);
  t.same(await send({ kind: 'voice', mediaUrl: 'wechat-mp-media:voice1' }), [T.voiceReceived, T.confirmHint]);
  // Recognition "是" answers the read-back like a typed 是.
  const done = await send({ kind: 'voice', mediaUrl: 'wechat-mp-media:voice2', recognition: '是' });
  t.match(done[0], /工单号：20260302-0001/);
  t.same(ports.created[0].attachments, [
    { kind: 'image', url: 'wechat-mp-media:img1' },
    { kind: 'voice', url: 'wechat-mp-media:voice1' },
    { kind: 'voice', url: 'wechat-mp-media:voice2', note: '语音识别：是' },
  ]);

  const spoken = setup();
  const r = await spoken.send({ kind: 'voice', mediaUrl: 'wechat-mp-media:v9', recognition: '红旗大道的井盖丢了' });
  t.equal(r[0], T.greeting);
  t.match(r[1], /【问题】红旗大道的井盖丢了[\s\S]*【地点】红旗大道[\s\S]*【附件】语音1条/);
  const silent = setup();
  t.same(await silent.send({ kind: 'voice', mediaUrl: 'wechat-mp-media:v10' }), [T.greeting, T.voiceNeedsText]);
});

t.test('修改: change the place, then the description, then submit', async (t) => {
  const { ports, say } = setup();
  await say('解放路的路灯坏了');
  t.same(await say('修改'), [T.chooseEdit]);
  t.same(await say('3'), [T.chooseEditAgain], 'an unknown choice is asked again');
  t.same(await say('2'), [T.askNewPlace]);
  const s1 = await say('红都大道与八一路交叉口');
  t.match(s1[0], /【问题】解放路的路灯坏了\n【地点】红都大道与八一路交叉口/);
  t.same(await say('修改'), [T.chooseEdit]);
  t.same(await say('1'), [T.askNewDescription]);
  const s2 = await say('路口的红绿灯坏了');
  t.match(s2[0], /【问题】路口的红绿灯坏了\n【地点】红都大道与八一路交叉口/, 'the place given before is kept');
  t.same(await say('嗯嗯'), [T.confirmHint], 'anything else gets the hint');
  await say('确认');
  t.match(ports.created[0], { content: '路口的红绿灯坏了', place: '红都大道与八一路交叉口' });

  const direct = setup();
  await direct.say('解放路的路灯坏了');
  t.same(await direct.say('修改地点'), [T.askNewPlace]);
});

t.test('否 and 取消 discard; 取消 with nothing going on says so', async (t) => {
  const { ports, store, say } = setup();
  await say('解放路的路灯坏了');
  t.same(await say('否'), [T.discarded]);
  t.notMatch(await store.get('conv:wechat-mp:oCitizen1'), { t: 'conversation' });
  await say('我家门口的下水道堵了');
  t.same(await say('取消'), [T.cancelled]);
  t.notMatch(await store.get('conv:wechat-mp:oCitizen1'), { t: 'conversation' });
  t.same(await say('取消'), [T.nothingToCancel]);
  t.equal(ports.created.length, 0);
  const r = await say('取消了的公交线路什么时候恢复？');
  t.same(r, [T.greeting, T.askPlace], 'a sentence that starts with 取消 is a description, not the command');
});

t.test('人工: transcript handed over, later messages relayed silently, 取消 ends it', async (t) => {
  const { ports, say, send } = setup();
  await say('我家门口的下水道堵了');
  t.same(await say('人工'), [T.handedOver]);
  t.equal(ports.handoffs.length, 1);
  t.same(ports.handoffs[0].transcript.map((l) => [l.from, l.text]), [
    ['citizen', '我家门口的下水道堵了'],
    ['bot', T.greeting],
    ['bot', T.askPlace],
    ['citizen', '人工'],
  ]);
  t.same(await say('在象湖镇金都花园'), [], 'the operator answers, not the bot');
  t.same(await send({ kind: 'image', mediaUrl: 'wechat-mp-media:i7' }), []);
  t.same(ports.handoffs.slice(1).map((h) => h.transcript.map((l) => l.text)), [['在象湖镇金都花园'], ['[图片] wechat-mp-media:i7']]);
  t.same(await say('帮助'), [T.help, T.continueHint], 'commands still work');
  t.same(await say('取消'), [T.operatorEnded]);
  t.same(await say('你好'), [T.greeting, T.askDescription], 'back to the bot');
  t.equal(ports.created.length, 0);
});

t.test('查询: own ticket shows status and reply; someone else’s is refused politely', async (t) => {
  const { ports, say, send } = setup();
  ports.owners.set('20260301-0007', { contactId: 'oCitizen1', statusLabel: '已反馈', latestReply: '路灯已于3月1日修复。' });
  ports.owners.set('20260301-0008', { contactId: 'oSomeoneElse', statusLabel: '办理中', latestReply: '私密答复' });
  t.same(await say('查询 20260301-0007'), ['工单20260301-0007：当前状态“已反馈”。\n最新答复：路灯已于3月1日修复。']);
  t.same(await say('查询２０２６０３０１０００７'), ['工单20260301-0007：当前状态“已反馈”。\n最新答复：路灯已于3月1日修复。'], 'full-width digits without the dash');
  const refused = await say('查询 20260301-0008');
  t.same(refused, ['未找到您提交的工单20260301-0008。请核对工单号；出于隐私保护，只能查询本人在本渠道提交的工单。']);
  t.notMatch(refused[0], /私密答复|办理中/);
  t.same(await say('查询 20990101-0001'), refused.map((r) => r.replace('20260301-0008', '20990101-0001')), 'unknown looks the same as foreign');

  // Menu 查询进度, then the number alone.
  t.same(await send({ kind: 'event', event: 'click', eventKey: 'QUERY' }), [T.askTicketNumber]);
  t.match((await say('20260301-0007'))[0], /已反馈/);
  // Mid-report, a lookup leaves the report where it was.
  await say('解放路的路灯坏了');
  const mid = await say('查询 20260301-0007');
  t.same(mid.slice(1), [T.continueHint]);
  t.match((await say('是'))[0], /工单号/);
  // A question that starts with 查询 is a 咨询, not a lookup.
  t.same(await say('查询一下社保怎么交'), [T.greeting, T.askPlace]);
});

t.test('即办: no questions, ticket at once, told to call 119/120/110 as it applies', async (t) => {
  const { ports, say } = setup();
  const fire = await say('解放路一栋居民楼着火了，有老人受伤');
  t.equal(ports.created.length, 1, 'created on the first message');
  t.match(ports.created[0], { urgent: true, place: '解放路', content: '解放路一栋居民楼着火了，有老人受伤' });
  t.match(fire[0], /即办件[\s\S]*工单号：20260302-0001[\s\S]*2026年3月6日（星期五）18:00/);
  t.match(fire[1], /119/);
  t.match(fire[1], /120/);
  t.notMatch(fire[1], /110/);
  t.equal(fire.length, 2, 'place known: no request for it');

  const lost = await say('我家孩子在菜市场走失了', 'oParent');
  t.match(lost[1], /110/);
  t.notMatch(lost[1], /119|120/);
  t.match(lost[2], /具体位置/, 'no place: asked to give it when calling');
  t.match(ports.created[1], { urgent: true, place: null, contactId: 'oParent' });

  // Urgency that shows up only once the place is added still skips the read-back.
  await say('有人在那边打架', 'oWitness');
  t.equal(ports.created.length, 3);
  t.match((await say('你好', 'oWitness'))[0], T.greeting, 'conversation was closed by the urgent ticket');
});

t.test('即办 when the ticket cannot be stored: the numbers are still given, 是 retries', async (t) => {
  const { ports, say } = setup();
  ports.failCreate = 1;
  const r = await say('解放路一栋居民楼着火了');
  t.same(r.slice(1), [T.createFailed, '如情况危急，请立即拨打电话：火警及燃气泄漏请拨打119。']);
  t.equal(ports.created.length, 0);
  const retry = await say('是');
  t.match(retry[0], /即办件/);
  t.equal(ports.created.length, 1);
});

t.test('restart mid-conversation: a new engine on the same store carries on', async (t) => {
  const { ports, make, sendTo, engine } = setup();
  await sendTo(engine, { text: '我家门口的下水道堵了' });
  const after = make();
  const summary = await sendTo(after, { text: '象湖镇金都花园' });
  t.match(summary[0], /【问题】我家门口的下水道堵了\n【地点】象湖镇金都花园/);
  const third = make();
  t.match((await sendTo(third, { text: '是' }))[0], /工单号：20260302-0001/);
  t.equal(ports.created.length, 1);
});

t.test('idle 30 minutes: the next message is told and starts fresh', async (t) => {
  const { ports, clock, say } = setup();
  await say('我家门口的下水道堵了');
  clock.advance(29 * MIN);
  t.match((await say('象湖镇金都花园'))[0], /【地点】象湖镇金都花园/, 'still alive at 29 minutes');
  clock.advance(31 * MIN);
  const r = await say('是');
  t.equal(r[0], T.timedOut);
  t.same(r.slice(1), [T.greeting, T.askPlace], '"是" is now just the start of a new report');
  t.equal(ports.created.length, 0, 'nothing submitted by a stale 是');
});

t.test('rate limit: 20 a minute, one notice, then silence until the window frees', async (t) => {
  const { clock, say } = setup();
  for (let i = 0; i < 20; i++) {
    t.same(await say('帮助'), [T.help], `message ${i + 1} answered`);
    clock.advance(1000);
  }
  t.same(await say('帮助'), [T.rateLimited]);
  t.same(await say('帮助'), []);
  t.same(await say('帮助'), []);
  t.same(await say('帮助', 'oOther'), [T.help], 'other contacts unaffected');
  // Now 20 s after the first hit; 41 s later the hits at 0 s and 1 s have left the window.
  clock.advance(41_000);
  t.same(await say('帮助'), [T.help], 'a freed slot');
  t.same(await say('帮助'), [T.help], 'the second freed slot');
  t.same(await say('帮助'), [T.rateLimited], 'full again: a new notice');
  t.same(await say('帮助'), []);
});

t.test('duplicate messageId: a transport retry never makes a second ticket', async (t) => {
  const { ports, send, say } = setup();
  await say('解放路的路灯坏了');
  const first = await send({ text: '是', messageId: 'msg-777' });
  t.match(first[0], /工单号/);
  t.same(await send({ text: '是', messageId: 'msg-777' }), []);
  t.equal(ports.created.length, 1);

  // Retries racing the original are serialised behind it.
  await say('红旗大道的井盖丢了', 'oRacer');
  const [a, b] = await Promise.all([send({ text: '是', messageId: 'msg-888' }, 'oRacer'), send({ text: '是', messageId: 'msg-888' }, 'oRacer')]);
  t.equal(ports.created.length, 2);
  t.same([a.length > 0, b.length], [true, 0]);

  // A failure is not remembered as handled: the retry tries again.
  await say('红旗大道的井盖丢了', 'oUnlucky');
  ports.failCreate = 1;
  t.same(await send({ text: '是', messageId: 'msg-999' }, 'oUnlucky'), [T.createFailed]);
  t.same(await send({ text: '是', messageId: 'msg-999' }, 'oUnlucky'), [], 'but an answered message is not answered twice');
  t.match((await send({ text: '是', messageId: 'msg-1000' }, 'oUnlucky'))[0], /工单号/);
});

t.test('a crash after the conversation ended but before the message was marked handled: the retry gets the same answer', async (t) => {
  const { ports, store, send, say } = setup();
  await say('解放路的路灯坏了');
  const first = await send({ text: '是', messageId: 'msg-crash' });
  t.match(first[0], /工单号/);
  // What the crash lost: the "seen" mark is written after the conversation's last save.
  await store.delete('seen:wechat-mp:oCitizen1:msg-crash');
  const retry = await send({ text: '是', messageId: 'msg-crash' });
  t.same(retry, first, 'the same reply, naming the ticket, not a new conversation');
  t.equal(ports.created.length, 1, 'still one ticket');
  t.same(await say('你好'), [T.greeting, T.askDescription], 'a new message starts a new conversation');
});

t.test('回访 answers recorded when a follow-up is pending, ordinary text otherwise', async (t) => {
  const { ports, say } = setup();
  t.same(await say('1'), [T.greeting, T.askPlace], 'no 回访 pending: "1" is just text');
  await say('取消');
  ports.pending.set('oCitizen1', '20260220-0003');
  t.same(await say('1'), ['感谢您的评价，已记录（工单20260220-0003）。祝您生活愉快！']);
  t.same(await say('未解决'), ['感谢您的反馈，已记录（工单20260220-0003）。我们将督促承办单位重新办理，并再次与您联系。']);
  t.same(await say('2 已解决'), ['感谢您的评价，已记录（工单20260220-0003）。祝您生活愉快！']);
  t.match(ports.followups, [
    { ticketNumber: '20260220-0003', contactId: 'oCitizen1', channel: 'wechat-mp', satisfaction: '满意', answer: '1' },
    { ticketNumber: '20260220-0003', solved: false, answer: '未解决' },
    { satisfaction: '基本满意', solved: true },
  ]);
  t.notOk('solved' in ports.followups[0]);
});

t.test('menu and subscription events', async (t) => {
  const { ports, send, say } = setup();
  t.same(await send({ kind: 'event', event: 'subscribe' }), [T.welcome]);
  t.same(await send({ kind: 'event', event: 'click', eventKey: 'REPORT' }), [T.askDescription]);
  t.match((await say('解放路的路灯坏了'))[0], /【问题】/);
  t.same((await send({ kind: 'event', eventKey: 'REPORT' })).slice(0, 1), [T.continueHint], 'a bare eventKey is a click; the report continues');
  t.same(await send({ kind: 'event', event: 'unsubscribe' }), []);
  t.same(await say('是'), [T.greeting, T.askPlace], 'unsubscribe dropped the unfinished report');
  t.same(await send({ kind: 'event', eventKey: 'SOMETHING_ELSE' }), []);
  t.equal(ports.created.length, 0);
});
