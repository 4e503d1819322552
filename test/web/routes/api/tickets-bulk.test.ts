/**
 * 批量派单 / 批量催办 (issue 20, item 6): the single action for each id, each in its own transaction,
 * answered per id; a ticket whose state does not allow it (or that does not exist) is reported with
 * the single action's error and does not stop the others; who may is the policy's; at most 200 ids.
 */
import t from 'tap';
import { ENGINES } from '../../../helpers/db.js';
import { testApp } from '../../../helpers/app.js';

interface Result {
  id: string;
  ok: boolean;
  number?: string;
  error?: { code: string; message: string };
}

for (const engine of ENGINES) {
  t.test(`bulk actions on the ticket list (${engine})`, async (t) => {
    const h = await testApp(t, { engine });
    // Waiting for 派单 (the classifier is not sure), a second one too, and one already closed.
    const waiting = (await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13600002222', content: '你好,我想反映个事情' })).json.ticket;
    const waiting2 = (await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13600002223', content: '你好,有个情况想说一下' })).json.ticket;
    t.equal(waiting.state, 'accepted');
    t.equal(waiting2.state, 'accepted');
    const done = (await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13700001111', content: '小区停水两天了', unit: '润泉供水公司', category: '求助' })).json.ticket;
    await h.call('unitB', 'POST', `/api/v1/tickets/${done.id}/sign`);
    await h.call('unitB', 'POST', `/api/v1/tickets/${done.id}/reply`, { reply: '已恢复供水' });
    t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${done.id}/followup`, { satisfaction: '满意', solved: true })).json.ticket.state, 'closed');
    const single = await h.call('operator', 'POST', `/api/v1/tickets/${done.id}/dispatch`, { unit: '市城管局' });
    t.equal(single.status, 409, 'the single 派单 refuses a closed ticket');

    await t.test('批量派单: mixed valid and invalid ids, each reported', async (t) => {
      const r = await h.call('operator', 'POST', '/api/v1/tickets/bulk/dispatch', { ids: [waiting.id, done.id, 'no-such-ticket', waiting2.id, waiting.id], unit: '市城管局', note: '批量派单测试' });
      t.equal(r.status, 200, r.body);
      const results: Result[] = r.json.results;
      t.same(
        results.map((x) => [x.id, x.ok, x.error?.code ?? null]),
        [
          [waiting.id, true, null],
          [done.id, false, single.json.error.code],
          ['no-such-ticket', false, 'ticket_not_found'],
          [waiting2.id, true, null],
        ],
        'in order, a repeated id once, the closed one with the single action’s code, the unknown one not found',
      );
      t.equal(results[0]!.number, waiting.number, 'a done one carries its number');
      t.match(results[1]!.error!.message, /已办结/, 'the reason in Chinese');
      t.equal(r.json.succeeded, 2);
      t.equal(r.json.failed, 2);
      for (const id of [waiting.id, waiting2.id]) {
        const tk = (await h.call('operator', 'GET', `/api/v1/tickets/${id}`)).json.ticket;
        t.equal(tk.state, 'dispatched');
        t.equal(tk.unit, '市城管局');
        t.ok(tk.signDeadline, 'with the deadlines of a 派单');
      }
      const events = (await h.call('supervisor', 'GET', `/api/v1/tickets/${waiting.id}/events`)).json.events as { type: string; actorRole: string; actorName: string | null; data: { note?: string; unit?: string } }[];
      const dispatched = events.filter((e) => e.type === 'dispatched');
      t.equal(dispatched.length, 1, 'dispatched once although the id came twice');
      t.equal(dispatched[0]!.actorRole, 'operator', 'audited on the timeline as the single action: who did it');
      t.equal(dispatched[0]!.data.note, '批量派单测试', 'and the note');
      t.equal((await h.call('operator', 'GET', `/api/v1/tickets/${done.id}`)).json.ticket.state, 'closed', 'the refused one is unchanged');
    });

    await t.test('批量催办: the 催办 mark on the open ones, the closed one reported', async (t) => {
      const r = await h.call('supervisor', 'POST', '/api/v1/tickets/bulk/urge', { ids: [waiting.id, done.id, waiting2.id], note: '请尽快签收' });
      t.equal(r.status, 200, r.body);
      t.same(
        (r.json.results as Result[]).map((x) => [x.id, x.ok, x.error?.code ?? null]),
        [
          [waiting.id, true, null],
          [done.id, false, 'illegal_transition'],
          [waiting2.id, true, null],
        ],
      );
      t.equal(r.json.succeeded, 2);
      t.equal((await h.call('operator', 'GET', `/api/v1/tickets/${waiting.id}`)).json.ticket.supervision, '催办');
      const events = (await h.call('supervisor', 'GET', `/api/v1/tickets/${waiting2.id}/events`)).json.events as { type: string; actorRole: string; data: { level?: string; note?: string } }[];
      const urged = events.find((e) => e.type === 'supervised');
      t.equal(urged?.data.level, '催办');
      t.equal(urged?.data.note, '请尽快签收');
      t.equal(urged?.actorRole, 'supervisor');
    });

    await t.test('who may: the policy decides, the whole request is refused', async (t) => {
      for (const [who, path, body] of [
        ['unitA', 'dispatch', { ids: [waiting.id], unit: '市城管局' }],
        ['unitA', 'urge', { ids: [waiting.id] }],
        ['operator', 'urge', { ids: [waiting.id] }],
      ] as const) {
        const r = await h.call(who, 'POST', `/api/v1/tickets/bulk/${path}`, body);
        t.equal(r.status, 403, `${who} ${path}`);
        t.equal(r.json.error.code, 'forbidden');
      }
      const events = (await h.call('supervisor', 'GET', `/api/v1/tickets/${waiting.id}/events`)).json.events as { type: string }[];
      t.equal(events.filter((e) => e.type === 'supervised').length, 1, 'nothing done by a refused request');
      t.equal((await h.call('admin', 'POST', '/api/v1/tickets/bulk/urge', { ids: [waiting.id] })).status, 200, 'an admin may');
    });

    await t.test('limits and input: over 200 ids, none, an unknown unit', async (t) => {
      const many = Array.from({ length: 201 }, (_, i) => `id-${i}`);
      const over = await h.call('operator', 'POST', '/api/v1/tickets/bulk/dispatch', { ids: many, unit: '市城管局' });
      t.equal(over.status, 400);
      t.ok(over.json.error.code && over.json.error.message, 'the one error shape');
      t.equal((await h.call('supervisor', 'POST', '/api/v1/tickets/bulk/urge', { ids: many })).status, 400);
      t.equal((await h.call('supervisor', 'POST', '/api/v1/tickets/bulk/urge', { ids: many.slice(0, 200) })).status, 200, '200 ids are taken (all unknown here)');
      t.equal((await h.call('operator', 'POST', '/api/v1/tickets/bulk/dispatch', { ids: [], unit: '市城管局' })).status, 400, 'no ids');
      const unknown = await h.call('operator', 'POST', '/api/v1/tickets/bulk/dispatch', { ids: [waiting.id], unit: '不存在的局' });
      t.equal(unknown.status, 400);
      t.equal(unknown.json.error.code, 'unknown_unit');
      t.equal((await h.call('operator', 'GET', `/api/v1/tickets/${waiting.id}`)).json.ticket.unit, '市城管局', 'not touched');
    });
  });
}
