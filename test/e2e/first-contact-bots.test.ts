/**
 * Issue 24, item 4: the bots answer on the first contact. A 咨询 with a confident knowledge-base
 * match gets the answer and 「这个答复解决您的问题了吗？回复 1 已解决，2 转人工」 on the wechaty bot,
 * the Official Account and SMS, at any hour (these run at 23:30); 1 records the ticket answered on
 * first contact (created + answered + closed, the entry's use counted), 2 makes a ticket as before
 * carrying the answer that did not help; a low-confidence match makes a ticket and records a miss.
 * On SQLite, and on PostgreSQL with SUBAN_TEST_PG_URL.
 */
import t, { type Test } from 'tap';
import { T } from '../../src/application/conversation/texts.js';
import { SMS_ANSWER_PROMPT } from '../../src/application/voice/sms-inbox.js';
import { mockBot, waitFor } from '../adapters/wechaty/mock-citizen.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { KnowledgeDouble } from '../helpers/knowledge-double.js';
import { mpXml, replyContent, signedQuery } from './wechat-harness.js';

const TOKEN = 'fc-token';
// 23:30 in Shanghai: outside every working hour.
const NIGHT = '2026-11-26T15:30:00Z';

const engines: ('sqlite' | 'pg')[] = ['sqlite', ...(process.env.SUBAN_TEST_PG_URL ? (['pg'] as const) : [])];

async function world(t: Test, engine: 'sqlite' | 'pg') {
  const h = await testApp(t, { engine, now: NIGHT, env: { WECHAT_MP_TOKEN: TOKEN, WECHAT_MP_APPID: 'wxfc000000000001', WECHAT_MP_SECRET: 'fc-secret', WECHAT_API_BASE: 'http://127.0.0.1:9' } });
  const kb = new KnowledgeDouble();
  h.ctx.answers.useKnowledge(kb);
  return { h, kb };
}

async function eventsOf(h: TestApp, number: string) {
  const tk = (await h.ctx.tickets.getByNumber(number))!;
  return { tk, types: (await h.ctx.ticketStore.events(tk.id)).map((e) => e.data) };
}

let msgSeq = 7_100_000_000_000_000_000n;
function mpCitizen(h: TestApp, openid: string) {
  return async (content: string): Promise<string | null> => {
    h.clock.advance(20_000);
    const ts = Math.floor(h.clock.now().getTime() / 1000);
    const res = await h.app.inject({
      method: 'POST',
      url: `/wechat/mp?${signedQuery(TOKEN, String(ts), `n${ts}`, { openid })}`,
      headers: { 'content-type': 'text/xml' },
      payload: mpXml({ from: openid, createTime: ts, msgId: String(++msgSeq), type: 'text', content }),
    });
    if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
    return replyContent(res.body);
  };
}

for (const engine of engines) {
  t.test(`${engine}: wechaty bot`, async (t) => {
    const { h, kb } = await world(t, engine);
    const mb = await mockBot(t, h.ctx);

    // 1 已解决: answered on first contact, closed at once, counted.
    const zhang = mb.citizen('wxid_zhang', '张三');
    const first = await zhang.say('我的社保卡丢了，怎么补办？');
    t.same(first.slice(0, -1), [T.greeting], 'the greeting, then the answer');
    t.match(first.at(-1), /【社保卡补办】\n社保卡丢失可携带身份证/);
    t.match(first.at(-1), /这个答复解决您的问题了吗？回复 1 已解决，2 转人工$/);
    const done = await zhang.say('1');
    const number = /编号(\d{8}-\d{4,})/.exec(done[0] ?? '')?.[1];
    t.ok(number, `a ticket number in ${JSON.stringify(done)}`);
    const { tk, types } = await eventsOf(h, number!);
    t.match(tk, { state: 'closed', category: '咨询', channel: 'wechat', contact: 'wxid_zhang', unit: null, lastReply: /社保卡丢失/ });
    t.same(types.map((e) => e.type), ['created', 'answered', 'closed'], 'created + answered + closed in one write, no dispatch');
    t.match(types[1], { type: 'answered', entryId: 'kb-sbk', channel: 'wechat', sms: false });
    t.match(kb.uses, [{ entryId: 'kb-sbk', channel: 'wechat', by: null, ticketId: tk.id }]);

    // 2 转人工: the report goes on as today, and the ticket carries the answer that did not help.
    const li = mb.citizen('wxid_li', '李四');
    t.match((await li.say('公积金提取需要什么材料？')).at(-1), /【公积金提取材料】/);
    const two = await li.say('2');
    t.equal(two[0], T.answerNotHelped);
    t.equal(two.at(-1), T.askPlace);
    t.match((await li.say('瑞金市象湖镇'))[0], /【问题】公积金提取需要什么材料？/);
    const made = await li.say('是');
    const liNumber = /工单号：(\d{8}-\d{4,})/.exec(made.join('\n'))?.[1];
    t.ok(liNumber, `a ticket after 2: ${JSON.stringify(made)}`);
    const li2 = await eventsOf(h, liNumber!);
    t.not(li2.tk.state, 'answered');
    t.notOk(li2.types.some((e) => e.type === 'answered'), 'not recorded as answered');
    t.ok(li2.types.some((e) => e.type === 'note' && /微信机器人已答复（知识库《公积金提取材料》），群众未确认解决/.test(e.text)), 'the answer that did not help is on the ticket');

    // A match below confidentAt: no answer, the report as today, and a miss for the units' list.
    const wang = mb.citizen('wxid_wang', '王五');
    t.same(await wang.say('公积金贷款利率现在是多少？'), [T.greeting, T.askPlace]);
    t.match(kb.misses, [{ question: '公积金贷款利率现在是多少？', channel: 'wechat' }]);

    // No reply at all: after the wait the question becomes a ticket as before, and the citizen hears its number.
    h.ctx.chat.attach('wechat', mb.handle);
    const sun = mb.citizen('wxid_sun', '孙七');
    t.match((await sun.say('新生儿怎么落户？')).at(-1), /【新生儿落户】/);
    const heardBefore = sun.heard.length;
    h.clock.advance(31 * 60_000);
    await h.ctx.runner.runDue();
    await waitFor(() => sun.heard.length > heardBefore, 'the ticket notice');
    const silentNumber = /工单号：(\d{8}-\d{4,})/.exec(sun.heard.slice(heardBefore).join('\n'))?.[1];
    t.ok(silentNumber, `the citizen hears the ticket number: ${JSON.stringify(sun.heard.slice(heardBefore))}`);
    const silent = await eventsOf(h, silentNumber!);
    t.match(silent.tk, { content: '新生儿怎么落户？', channel: 'wechat', contact: 'wxid_sun' });
    t.notOk(silent.types.some((e) => e.type === 'answered'));
    t.ok(silent.types.some((e) => e.type === 'note' && /微信机器人已答复（知识库《新生儿落户》），群众未确认解决/.test(e.text)));

    // A report that is not a question is not looked up at all.
    const before = kb.searches;
    const zhao = mb.citizen('wxid_zhao', '赵六');
    t.same(await zhao.say('小区门口路灯坏了，晚上很黑'), [T.greeting, T.askPlace]);
    t.equal(kb.searches, before, 'no search for a 求助 that is not a question');
  });

  t.test(`${engine}: Official Account`, async (t) => {
    const { h, kb } = await world(t, engine);
    const chen = mpCitizen(h, 'oChen');
    const reply = await chen('请问新生儿怎么落户？');
    t.match(reply, /【新生儿落户】\n新生儿落户请携带出生医学证明/);
    t.match(reply, /回复 1 已解决，2 转人工/);
    const thanks = await chen('1');
    const number = /编号(\d{8}-\d{4,})/.exec(thanks ?? '')?.[1];
    t.ok(number, String(thanks));
    const { tk, types } = await eventsOf(h, number!);
    t.match(tk, { state: 'closed', channel: 'wechat-mp', category: '咨询' });
    t.same(types.map((e) => e.type), ['created', 'answered', 'closed']);
    t.match(kb.uses, [{ entryId: 'kb-hk', channel: 'wechat-mp' }]);
  });

  t.test(`${engine}: SMS`, async (t) => {
    const { h, kb } = await world(t, engine);
    const sent = () => h.ctx.simSms!.sent;
    let n = 0;
    const text = (from: string, body: string) => h.ctx.smsInbox.receive({ id: `SM${++n}`, from, to: '12345', text: body, at: h.clock.now(), provider: 'sim' });

    t.match(await text('13800000001', '社保卡怎么补办？'), { kind: 'answer', entryId: 'kb-sbk' });
    t.match(sent().at(-1), { to: '13800000001', text: new RegExp(`社保卡丢失[\\s\\S]*${SMS_ANSWER_PROMPT}`) });
    const ok = await text('13800000001', '1');
    t.equal(ok.kind, 'answered');
    const number = (ok as { number: string }).number;
    const { tk, types } = await eventsOf(h, number);
    t.match(tk, { state: 'closed', channel: 'sms', category: '咨询', contact: '13800000001' });
    t.same(types.map((e) => e.type), ['created', 'answered', 'closed']);
    t.match(sent().at(-1), { to: '13800000001', text: /已记录为一次性答复/ });
    t.match(kb.uses, [{ entryId: 'kb-sbk', channel: 'sms' }]);

    // 2: a ticket as today, with the answer that did not help.
    t.match(await text('13800000002', '公积金提取需要什么材料？'), { kind: 'answer' });
    const two = await text('13800000002', '2');
    t.equal(two.kind, 'ticket');
    const t2 = await eventsOf(h, (two as { number: string }).number);
    t.equal(t2.tk.content, '公积金提取需要什么材料？');
    t.ok(t2.types.some((e) => e.type === 'note' && /短信机器人已答复（知识库《公积金提取材料》），群众回复2转人工/.test(e.text)));
    t.notOk(t2.types.some((e) => e.type === 'answered'));
    t.match(sent().at(-1), { to: '13800000002', text: /诉求已登记/ });

    // No reply: after the wait, a ticket carrying the answer, and the usual confirmation.
    t.match(await text('13800000004', '新生儿怎么落户？'), { kind: 'answer' });
    h.clock.advance(31 * 60_000);
    await h.ctx.runner.runDue();
    const silent = (await h.ctx.ticketStore.list({ channel: 'sms' }, { limit: 50 })).items.find((x) => x.contact === '13800000004');
    t.ok(silent, 'a ticket after no reply');
    const st = (await h.ctx.ticketStore.events(silent!.id)).map((e) => e.data);
    t.ok(st.some((e) => e.type === 'note' && /群众未回复是否解决/.test(e.text)));
    t.match(sent().at(-1), { to: '13800000004', text: /诉求已登记/ });
    // The citizen who answered in time gets no second ticket from the timer.
    t.equal((await h.ctx.ticketStore.list({ channel: 'sms' }, { limit: 50 })).items.filter((x) => x.contact === '13800000001').length, 1);

    // Low confidence: a ticket at once and a miss.
    t.match(await text('13800000003', '公积金贷款利率是多少？'), { kind: 'ticket', created: true });
    t.match(kb.misses.at(-1), { question: '公积金贷款利率是多少？', channel: 'sms' });
  });
}
