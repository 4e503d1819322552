/**
 * Issue 24, item 3: 直接答复 at the desk through the API. The top entries for the citizen's words;
 * one call creates the ticket and records the answer (受理 → 已答复, no dispatch), texts it when
 * asked (logged on the ticket), counts the entry's use; 回访 follows like after a reply, and a
 * citizen's 不满意 sends it to dispatch; with SUBAN_ANSWER_FOLLOWUP=false it closes at once.
 * On SQLite, and on PostgreSQL with SUBAN_TEST_PG_URL.
 */
import t from 'tap';
import { JOB } from '../../../../src/application/ports/jobs.js';
import type { Principal } from '../../../../src/domain/policy.js';
import { testApp } from '../../../helpers/app.js';
import { KnowledgeDouble } from '../../../helpers/knowledge-double.js';

const engines: ('sqlite' | 'pg')[] = ['sqlite', ...(process.env.SUBAN_TEST_PG_URL ? (['pg'] as const) : [])];
const OP: Principal = { id: 'op-x', name: '话务员', role: 'operator', unit: null };

for (const engine of engines) {
  t.test(`${engine}: the desk answers`, async (t) => {
    const h = await testApp(t, { engine });
    const kb = new KnowledgeDouble();

    // The container wires the knowledge base in; with no approved entries the desk shows nothing.
    t.equal(h.ctx.answers.knowledge, h.ctx.knowledge);
    const off = await h.call('operator', 'POST', '/api/v1/answers/suggest', { text: '社保卡怎么补办' });
    t.match(off.json, { hits: [], confident: false, enabled: true });
    h.ctx.answers.useKnowledge(kb);

    const s = await h.call('operator', 'POST', '/api/v1/answers/suggest', { text: '社保卡丢了怎么补办' });
    t.equal(s.status, 200);
    t.match(s.json, { confident: true, confidentAt: 0.75, enabled: true, hits: [{ entryId: 'kb-sbk', title: '社保卡补办', unit: '市人社局', confidence: 1, matched: ['社保卡', '补办'] }] });
    t.equal(kb.misses.length, 0, 'typing never records a miss');
    await h.call('operator', 'POST', '/api/v1/answers/suggest', { text: '公积金贷款利率是多少', recordMiss: true });
    t.match(kb.misses, [{ question: '公积金贷款利率是多少', channel: 'phone' }], 'a filed request without a confident entry is a miss');
    t.equal((await h.call('unitA', 'POST', '/api/v1/answers/suggest', { text: '社保卡补办' })).status, 403, 'units do not work the desk');

    // 直接答复 with the SMS box ticked.
    const r = await h.call('operator', 'POST', '/api/v1/answers', { content: '来电咨询社保卡丢失如何补办', contact: '13900001111', entryId: 'kb-sbk', title: '社保卡补办', answer: '携带身份证到社保卡服务网点办理挂失补办。', sms: true });
    t.equal(r.status, 201, r.body);
    t.match(r.json, { created: true, smsSent: true, ticket: { state: 'answered', stateLabel: '已答复', category: '咨询', unit: null, channel: 'phone' } });
    const id = r.json.ticket.id as string;
    const events = (await h.ctx.ticketStore.events(id)).map((e) => e.data);
    t.same(events.map((e) => e.type), ['created', 'answered', 'note']);
    t.match(events[1], { type: 'answered', entryId: 'kb-sbk', by: 'op', channel: 'phone', sms: true, answer: '携带身份证到社保卡服务网点办理挂失补办。' });
    t.match(events[2], { type: 'note', text: '答复短信已发送至 139****1111' });
    t.match(h.ctx.simSms!.sent.at(-1), { to: '13900001111', text: '【12345热线】社保卡补办：携带身份证到社保卡服务网点办理挂失补办。' });
    t.match(kb.uses, [{ entryId: 'kb-sbk', channel: 'phone', ticketId: id }]);
    const jobs = await h.ctx.jobs.list({ status: 'pending', limit: 1000 });
    t.ok(jobs.some((j) => j.kind === JOB.followupStart && j.payload.ticketId === id), '回访 is scheduled like after a reply');
    t.notOk(jobs.some((j) => j.payload.ticketId === id && j.kind !== JOB.followupStart), 'no dispatch page or deadline for an answered ticket');

    // The 回访: 不满意 → back to the operator to dispatch; that it was answered stays in the history.
    const reopened = await h.ctx.tickets.recordFollowUp(OP, id, { satisfaction: '不满意', solved: false, via: 'phone' });
    t.match(reopened, { state: 'returned', unit: null, reopenCount: 1 });
    const again = await h.call('operator', 'POST', `/api/v1/tickets/${id}/dispatch`, { unit: '市人社局' });
    t.equal(again.json.ticket?.state, 'dispatched', again.body);

    // Satisfied → closed.
    const r2 = await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询新生儿落户', contact: '13900002222', entryId: 'kb-hk', answer: '到派出所办理。' });
    const closed = await h.ctx.tickets.recordFollowUp(OP, r2.json.ticket.id, { satisfaction: '满意', solved: true, via: 'phone' });
    t.equal(closed.state, 'closed');

    // Refusals: SMS without a mobile number, an urgent matter, a unit user, an empty answer.
    t.match(await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询', contact: '0797-1234567', entryId: null, answer: '答复', sms: true }), { status: 400, json: { error: { code: 'no_phone' } } });
    t.match(await h.call('operator', 'POST', '/api/v1/answers', { content: '家里燃气泄漏了有人晕倒怎么办', entryId: null, answer: '答复' }), { status: 409, json: { error: { code: 'urgent_not_answerable' } } });
    t.equal((await h.call('unitA', 'POST', '/api/v1/answers', { content: '咨询', entryId: null, answer: '答复' })).status, 403);
    t.equal((await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询', entryId: null, answer: '' })).status, 400);
    t.equal((await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询', entryId: null, answer: '答复', channel: 'platform:x' })).status, 400);

    // An idempotent retry returns the same ticket, texted once.
    const sent = h.ctx.simSms!.sent.length;
    const k1 = await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询公积金提取', contact: '13900003333', entryId: 'kb-gjj', answer: '带身份证。', sms: true, idempotencyKey: 'desk-1' });
    const k2 = await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询公积金提取', contact: '13900003333', entryId: 'kb-gjj', answer: '带身份证。', sms: true, idempotencyKey: 'desk-1' });
    t.equal(k1.status, 201);
    t.equal(k2.status, 200);
    t.equal(k2.json.ticket.id, k1.json.ticket.id);
    t.equal(h.ctx.simSms!.sent.length, sent + 1, 'one SMS');
  });

  t.test(`${engine}: SUBAN_ANSWER_FOLLOWUP=false closes at once`, async (t) => {
    const h = await testApp(t, { engine, env: { SUBAN_ANSWER_FOLLOWUP: 'false' } });
    h.ctx.answers.useKnowledge(new KnowledgeDouble());
    const r = await h.call('operator', 'POST', '/api/v1/answers', { content: '咨询社保卡补办', entryId: 'kb-sbk', answer: '到网点办理。' });
    t.match(r.json.ticket, { state: 'closed' });
    const types = (await h.ctx.ticketStore.events(r.json.ticket.id)).map((e) => e.data.type);
    t.same(types, ['created', 'answered', 'closed']);
    const jobs = await h.ctx.jobs.list({ status: 'pending', limit: 1000 });
    t.notOk(jobs.some((j) => j.kind === JOB.followupStart && j.payload.ticketId === r.json.ticket.id), 'no 回访');
  });
}

t.test('config: SUBAN_ANSWER_FOLLOWUP is true or false', async (t) => {
  const { loadConfig } = await import('../../../../src/config.js');
  t.equal(loadConfig({}).answerFollowup, true);
  t.equal(loadConfig({ SUBAN_ANSWER_FOLLOWUP: 'false' }).answerFollowup, false);
  t.throws(() => loadConfig({ SUBAN_ANSWER_FOLLOWUP: 'maybe' }), /SUBAN_ANSWER_FOLLOWUP/);
});
