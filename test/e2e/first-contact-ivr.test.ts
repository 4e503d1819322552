/**
 * Issue 24, item 4 (phone): the hotline flow's 咨询 branch reads a short answer when the caller's
 * words match an entry marked `readable` with high confidence, then 「按1表示已解决，按2转人工」:
 * 1 records the ticket answered on first contact, 2 goes on to the queue as before. The `answer`
 * verb and its options are checked like every other (flows check). Sim provider, both engines.
 */
import t from 'tap';
import { formatFlowError, validateFlowSource } from '../../src/application/ivr/index.js';
import { testApp } from '../helpers/app.js';
import { KnowledgeDouble } from '../helpers/knowledge-double.js';

const IN_HOURS = '2026-11-26T02:00:00Z'; // Thursday 10:00 Shanghai
const engines: ('sqlite' | 'pg')[] = ['sqlite', ...(process.env.SUBAN_TEST_PG_URL ? (['pg'] as const) : [])];

t.test('flows check: the answer verb and its options', async (t) => {
  const check = (steps: string, actions: string[] | undefined = ['kbAnswer', 'kbAnswered']) =>
    validateFlowSource(`start: a\nsteps:\n${steps}\n  q:\n    queue: consult\n  ok:\n    hangup: answered\n`, 'inline.yaml', actions ? { actions } : {}).errors.map(formatFlowError);
  t.same(check(`  a:\n    answer:\n      text: "{{speech}}"\n      solved: ok\n      onNoMatch: q\n    next: q`), [], 'a complete answer step');
  t.match(check(`  a:\n    answer: "{{speech}}"\n    next: q`), [/a: missing `solved`/, /a: missing `onNoMatch`/], 'solved and onNoMatch are required');
  t.match(check(`  a:\n    answer:\n      text: "{{speech}}"\n      prompt: 请稍候\n      solved: ok\n      onNoMatch: q\n    next: q`), [/the answer prompt must offer 1 \(solved\) and 2/]);
  t.match(check(`  a:\n    answer:\n      text: "{{speech}}"\n      solved: nowhere\n      onNoMatch: q\n      timeout: 99\n      colour: red\n    next: q`), [/unknown step "nowhere"/, /`timeout` must be a whole number from 3 to 30/, /unknown option "colour"/]);
  t.match(check(`  a:\n    answer:\n      solved: ok\n      onNoMatch: q\n    next: q`), [/a: missing `text`/]);
});

for (const engine of engines) {
  t.test(`${engine}: the caller hears the answer; 1 records it answered, 2 reaches the queue`, async (t) => {
    const h = await testApp(t, { engine, now: IN_HOURS });
    const kb = new KnowledgeDouble();
    const { ctx } = h;

    // Without a knowledge base the call goes on as before.
    const before = await ctx.simVoice!.placeInbound({ from: '13800000101', press: ['', '2'], say: '社保卡丢了怎么补办' });
    t.notMatch(before.heard.join(' '), /社保卡丢失可携带身份证/);
    t.match(before.ivrPath, /语音/);

    ctx.answers.useKnowledge(kb);
    const call = await ctx.simVoice!.placeInbound({ from: '13800000102', press: ['', '1'], say: '社保卡丢了怎么补办' });
    await ctx.calls.idle();
    const heard = call.heard.join(' ');
    t.match(heard, /社保卡丢失可携带身份证.*按1表示已解决，按2转人工/);
    t.match(heard, /本次咨询已记录为已解决/);
    t.equal(call.result, 'answered');
    t.match(call.ivrPath, /一次性答复 1 已解决/);
    const { items } = await ctx.ticketStore.list({ channel: 'phone' }, { limit: 50 });
    const answered = items.find((x) => x.contact === '13800000102');
    t.ok(answered, 'a ticket for the caller');
    t.match(answered, { state: 'closed', category: '咨询', unit: null, externalRef: call.callId });
    const types = (await ctx.ticketStore.events(answered!.id)).map((e) => e.data);
    t.same(types.map((e) => e.type), ['created', 'answered', 'closed']);
    t.match(types[1], { type: 'answered', entryId: 'kb-sbk', channel: 'phone', by: '语音导航' });
    t.match(kb.uses, [{ entryId: 'kb-sbk', channel: 'phone', ticketId: answered!.id }]);

    // 2: on to the queue as today, no ticket recorded as answered.
    const two = await ctx.simVoice!.placeInbound({ from: '13800000103', press: ['', '2'], say: '新生儿怎么落户' });
    await ctx.calls.idle();
    t.match(two.heard.join(' '), /新生儿落户请携带出生医学证明/);
    t.match(two.ivrPath, /一次性答复 2 转人工/);
    t.notOk((await ctx.ticketStore.list({ channel: 'phone' }, { limit: 50 })).items.some((x) => x.contact === '13800000103' && x.state === 'closed'));

    // An entry not marked readable is never read out; a confident match of it is no answer on the phone.
    const gjj = await ctx.simVoice!.placeInbound({ from: '13800000104', press: ['', '2'], say: '公积金提取要什么材料' });
    await ctx.calls.idle();
    t.notMatch(gjj.heard.join(' '), /提取住房公积金需身份证/);
    t.notMatch(gjj.ivrPath, /一次性答复/);
    t.match(kb.misses.at(-1), { question: '公积金提取要什么材料', channel: 'phone' });
  });
}
