import t from 'tap';
import { ENGINES } from '../../../helpers/db.js';
import { testApp } from '../../../helpers/app.js';

for (const engine of ENGINES) {
  t.test(`tickets API on ${engine}`, async (t) => {
    const h = await testApp(t, { engine });

    await t.test('intake classifies, dispatches and sets deadlines; units see the caller masked', async (t) => {
      const r = await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact: '13912345678', content: '象湖镇红都大道的路灯坏了好几天了,晚上很黑' });
      t.equal(r.status, 201, r.body);
      const tk = r.json.ticket;
      t.match(tk.number, /^20261126-\d{4}$/);
      t.equal(tk.state, 'dispatched');
      t.equal(tk.unit, '市城管局');
      t.equal(tk.contact, '13912345678', 'operators see the full number');
      t.ok(tk.signDeadline && tk.replyDeadline);
      t.ok(r.json.classification.evidence.length > 0, 'the reasons are given');

      const asUnit = await h.call('unitA', 'GET', `/api/v1/tickets/${tk.id}`);
      t.equal(asUnit.status, 200);
      t.equal(asUnit.json.ticket.contact, '139****5678');
      t.equal(asUnit.json.ticket.contactMasked, true);

      const otherUnit = await h.call('unitB', 'GET', `/api/v1/tickets/${tk.id}`);
      t.equal(otherUnit.status, 404, "another unit's ticket does not exist for them");

      const reveal = await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/reveal-contact`);
      t.equal(reveal.json.contact, '13912345678');
      const timeline = await h.call('unitA', 'GET', `/api/v1/tickets/${tk.id}/events`);
      t.ok(timeline.json.events.some((e: { type: string }) => e.type === 'contact_revealed'), 'the reveal is audited on the timeline');
      t.notOk(JSON.stringify(timeline.json.events).includes('13912345678'), 'the timeline masks the contact for units');
    });

    await t.test('the whole lifecycle through the API, with a 409 naming the allowed actions', async (t) => {
      const { json } = await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13700001111', content: '润泉供水公司,我们小区停水两天了,什么时候来水', unit: '润泉供水公司', category: '求助' });
      const id = json.ticket.id;
      const early = await h.call('unitB', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已修复' });
      t.equal(early.status, 409);
      t.equal(early.json.error.code, 'illegal_transition');
      t.same(early.json.error.details.allowed.includes('signed'), true);
      t.equal((await h.call('unitA', 'POST', `/api/v1/tickets/${id}/sign`)).status, 404, 'unit A cannot sign unit B work');
      t.equal((await h.call('unitB', 'POST', `/api/v1/tickets/${id}/sign`)).json.ticket.state, 'handling');
      t.equal((await h.call('unitB', 'POST', `/api/v1/tickets/${id}/extension`, { days: 3, reason: '需更换主管道' })).status, 200);
      const decided = await h.call('supervisor', 'POST', `/api/v1/tickets/${id}/extension/decision`, { approved: true });
      t.equal(decided.status, 200);
      t.ok(new Date(decided.json.ticket.replyDeadline) > new Date(json.ticket.replyDeadline), 'approved extension moves the deadline');
      t.equal((await h.call('unitB', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '管道已更换,已恢复供水' })).json.ticket.state, 'replied');
      const fu = await h.call('operator', 'POST', `/api/v1/tickets/${id}/followup`, { satisfaction: '不满意', solved: false, reason: '水压还是很低' });
      t.equal(fu.json.ticket.state, 'dispatched', '不满意 → 重办 back to the unit');
      t.equal(fu.json.ticket.reopenCount, 1);
      await h.call('unitB', 'POST', `/api/v1/tickets/${id}/sign`);
      await h.call('unitB', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已加装增压泵' });
      const done = await h.call('operator', 'POST', `/api/v1/tickets/${id}/followup`, { satisfaction: '满意', solved: true });
      t.equal(done.json.ticket.state, 'closed');
      const ev = await h.call('supervisor', 'GET', `/api/v1/tickets/${id}/events`);
      t.same(
        ev.json.events.map((e: { type: string }) => e.type),
        ['created', 'dispatched', 'signed', 'extension_requested', 'extension_decided', 'replied', 'followed_up', 'reopened', 'signed', 'replied', 'followed_up', 'closed'],
      );
    });

    await t.test('低置信度 goes to the manual-dispatch queue with suggestions; 退单 and re-dispatch', async (t) => {
      const r = await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13600002222', content: '你好,我想反映个事情' });
      t.equal(r.json.ticket.state, 'accepted');
      t.equal(r.json.classification.needsManualDispatch, true);
      const queue = await h.call('operator', 'GET', '/api/v1/tickets?needsDispatch=true');
      t.ok(queue.json.items.some((i: { id: string }) => i.id === r.json.ticket.id));
      const d = await h.call('operator', 'POST', `/api/v1/tickets/${r.json.ticket.id}/dispatch`, { unit: '市城管局' });
      t.equal(d.json.ticket.state, 'dispatched');
      const ret = await h.call('unitA', 'POST', `/api/v1/tickets/${r.json.ticket.id}/return`, { reason: '不属于我局职责' });
      t.equal(ret.json.ticket.state, 'returned');
      t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${r.json.ticket.id}/dispatch`, { unit: '不存在的局' })).status, 400);
    });

    await t.test('idempotency key: a retried create returns the same ticket', async (t) => {
      const body = { contact: '13500003333', content: '红都大道有人占道经营', idempotencyKey: 'client-42' };
      const a = await h.call('operator', 'POST', '/api/v1/tickets', body);
      const b = await h.call('operator', 'POST', '/api/v1/tickets', body);
      t.equal(a.status, 201);
      t.equal(b.status, 200);
      t.equal(a.json.ticket.id, b.json.ticket.id);
    });

    await t.test('errors have one shape', async (t) => {
      const cases: [string | null, string, string, unknown, number][] = [
        [null, 'GET', '/api/v1/tickets', undefined, 401],
        ['unitA', 'POST', '/api/v1/tickets', { content: 'x' }, 403],
        ['operator', 'POST', '/api/v1/tickets', { content: '' }, 400],
        ['operator', 'POST', '/api/v1/tickets', { content: 'x', bogus: 1 }, 400],
        ['operator', 'GET', '/api/v1/tickets/nope', undefined, 404],
        ['operator', 'GET', '/api/v1/tickets?state=weird', undefined, 400],
        ['operator', 'GET', '/api/v1/nothing-here', undefined, 404],
        ['admin', 'POST', '/api/v1/users', { name: 'x1', role: 'unit', unit: '不存在' }, 400],
        // Answered by the router before any hook: a broken percent-escape, an over-long path parameter.
        ['operator', 'GET', '/api/v1/tickets/%E0%A4%A', undefined, 400],
        ['operator', 'GET', `/api/v1/tickets/${'x'.repeat(300)}`, undefined, 414],
      ];
      for (const [who, method, url, body, status] of cases) {
        const r = await h.call(who as 'operator' | null, method, url, body);
        t.equal(r.status, status, `${method} ${url}`);
        t.type(r.json?.error?.code, 'string');
        t.type(r.json?.error?.message, 'string');
      }
      const big = await h.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { authorization: `Bearer ${h.tokens.operator}`, 'content-type': 'application/json' }, payload: JSON.stringify({ content: 'x'.repeat(2_000_000) }) });
      t.equal(big.statusCode, 413);
      t.equal(big.json().error.code, 'body_too_large');
    });

    await t.test('a login session needs the CSRF token for writes; logs never hold a full number or token', async (t) => {
      const login = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'op', password: 'correct-horse-1' } });
      t.equal(login.statusCode, 200);
      const cookie = login.cookies.find((c) => c.name === 'suban_session')!;
      t.ok(cookie.httpOnly);
      t.ok(cookie.secure, 'secure over https');
      const headers = { cookie: `suban_session=${cookie.value}` };
      t.equal((await h.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })).json().user.role, 'operator');
      const noCsrf = await h.app.inject({ method: 'POST', url: '/api/v1/tickets', headers, payload: { content: '路灯坏了' } });
      t.equal(noCsrf.statusCode, 403);
      const withCsrf = await h.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { ...headers, 'x-csrf-token': login.json().csrf }, payload: { content: '路灯坏了', contact: '13812345678' } });
      t.equal(withCsrf.statusCode, 201);
      const bad = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name: 'op', password: 'wrong-password' } });
      t.equal(bad.statusCode, 401);
      h.ctx.log.info({ contact: '13812345678', token: h.tokens.operator }, 'a log line with personal data');
      t.notOk(h.logs.text.includes('13812345678'), 'no full phone number in the logs');
      t.ok(h.logs.text.includes('138****5678'), 'masked number is logged');
      t.notOk(h.logs.text.includes(h.tokens.operator), 'no token in the logs');
    });

    await t.test('health, readiness, metrics and OpenAPI', async (t) => {
      t.equal((await h.app.inject('/healthz')).statusCode, 200);
      const ready = await h.app.inject('/readyz');
      t.equal(ready.statusCode, 200);
      t.equal(ready.json().database, 'ok');
      t.equal(ready.json().classifier, 'ok');
      t.type(ready.json().calendar.covered, 'boolean');
      const m = await h.app.inject('/metrics');
      t.match(m.body, /suban_tickets\{state="closed"\}/);
      t.match(m.body, /suban_http_request_duration_seconds/);
      // Every route is timed, not only the health plugin's own (its hook was encapsulated once).
      t.match(m.body, /suban_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/tickets",status="201"\} [1-9]/);
      const spec = await h.app.inject('/docs/json');
      t.equal(spec.statusCode, 200);
      t.ok(spec.json().paths['/api/v1/tickets/{id}/sign'], 'lifecycle endpoints are in the OpenAPI document');
    });
  });
}
