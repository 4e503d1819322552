import t from 'tap';
import { testApp, TEST_PASSWORD, type TestApp } from '../helpers/app.js';
import { seedDemoRosters } from '../../src/application/paging/demo.js';
import { ENGINES } from '../helpers/db.js';
import { randomUUID } from 'node:crypto';

/**
 * Every /api/v1 route × every role: none, operator, unit A (市城管局), unit B (润泉供水公司),
 * supervisor, admin. The ticket under test belongs to unit A, so unit B must not learn it exists.
 * Expected: 'ok' = the role got past authorisation (any status but 401/403/404, e.g. 200, 400 or 409 on
 * a minimal body); otherwise the exact status.
 */
type Who = 'none' | 'operator' | 'unitA' | 'unitB' | 'supervisor' | 'admin';
type E = 'ok' | 401 | 403 | 404;
const WHO: Who[] = ['none', 'operator', 'unitA', 'unitB', 'supervisor', 'admin'];

// Shorthands for rows: [none, operator, unitA, unitB, supervisor, admin]
const ALL: E[] = [401, 'ok', 'ok', 'ok', 'ok', 'ok'];
const OFFICE: E[] = [401, 'ok', 403, 403, 'ok', 'ok'];
const SUPER: E[] = [401, 403, 403, 403, 'ok', 'ok'];
const ADMIN: E[] = [401, 403, 403, 403, 403, 'ok'];
const EDITORS: E[] = [401, 403, 403, 403, 'ok', 'ok'];
const OWN_TICKET: E[] = [401, 'ok', 'ok', 404, 'ok', 'ok'];
const UNIT_ACTION: E[] = [401, 403, 'ok', 404, 403, 403];
const OFFICE_ACTION: E[] = [401, 'ok', 403, 404, 'ok', 'ok'];
const SUPER_ACTION: E[] = [401, 403, 403, 404, 'ok', 'ok'];
const OPEN: E[] = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'];

const ADMIN_404: E[] = [401, 403, 403, 403, 403, 404];
const SIGNED_IN_404: E[] = [401, 404, 404, 404, 404, 404];

/** T: a ticket of unit A, N: its number, U: a throwaway user (disabled, reset, unlocked…). */
function matrix(T: string, N: string, U: string): [string, string, E[], unknown?][] {
  return [
    ['POST', '/api/v1/auth/login', OPEN, { name: 'op', password: TEST_PASSWORD }],
    ['POST', '/api/v1/auth/logout', OPEN],
    ['GET', '/api/v1/auth/me', ALL],
    ['GET', '/api/v1/console/session', OPEN],
    ['GET', '/api/v1/console/features', ALL],
    ['GET', '/api/v1/console/reference', ALL],
    ['GET', '/api/v1/console/handovers', OFFICE],
    ['GET', '/api/v1/admin/flows', SUPER],
    ['GET', '/api/v1/admin/duty-list', OFFICE],
    ['POST', '/api/v1/classify', ALL, { text: '路灯坏了' }],
    ['POST', '/api/v1/tickets/duplicates', OFFICE, { content: '象湖镇红都大道路灯不亮', contact: '13800002222' }],
    ['GET', '/api/v1/tickets/export?format=csv', ALL],
    ['GET', '/api/v1/units', ALL],
    ['GET', '/api/v1/users', SUPER],
    ['POST', '/api/v1/users', ADMIN, { name: 'new-user', role: 'operator' }],
    ['POST', `/api/v1/users/${U}/disable`, ADMIN],
    ['POST', `/api/v1/users/${U}/enable`, ADMIN],
    ['POST', `/api/v1/users/${U}/reset-password`, ADMIN],
    ['POST', `/api/v1/users/${U}/unlock`, ADMIN],
    ['GET', `/api/v1/users/${U}/tokens`, ADMIN],
    ['POST', `/api/v1/users/${U}/tokens`, ADMIN, { expiresInDays: 30 }],
    ['DELETE', `/api/v1/users/${U}/tokens/0123456789abcdef`, ADMIN_404],
    ['GET', '/api/v1/login-locks', ADMIN],
    ['DELETE', '/api/v1/login-locks/address%3A198.51.100.1', ADMIN],
    ['GET', '/api/v1/tokens', ALL],
    ['POST', '/api/v1/tokens', ALL, {}],
    ['DELETE', '/api/v1/tokens/0123456789abcdef', SIGNED_IN_404],
    ['POST', '/api/v1/auth/password', ALL, { current: TEST_PASSWORD, next: 'short' }],
    ['GET', '/api/v1/tickets', ALL],
    ['POST', '/api/v1/tickets', OFFICE, { content: '红都大道路灯不亮' }],
    ['GET', `/api/v1/tickets/${T}`, OWN_TICKET],
    ['GET', `/api/v1/tickets/${T}/events`, OWN_TICKET],
    ['GET', `/api/v1/tickets/by-number/${N}`, OWN_TICKET],
    ['POST', `/api/v1/tickets/${T}/dispatch`, OFFICE_ACTION, { unit: '市城管局' }],
    ['POST', `/api/v1/tickets/${T}/sign`, UNIT_ACTION],
    ['POST', `/api/v1/tickets/${T}/return`, UNIT_ACTION, { reason: '不属于本单位' }],
    ['POST', `/api/v1/tickets/${T}/extension`, UNIT_ACTION, { days: 2, reason: '需要时间' }],
    ['POST', `/api/v1/tickets/${T}/extension/decision`, OFFICE_ACTION, { approved: true }],
    ['POST', `/api/v1/tickets/${T}/reply`, UNIT_ACTION, { reply: '已处理' }],
    ['POST', `/api/v1/tickets/${T}/review`, SUPER_ACTION, { approved: true }],
    ['POST', `/api/v1/tickets/${T}/followup`, OFFICE_ACTION, { satisfaction: '满意' }],
    ['POST', `/api/v1/tickets/${T}/reopen`, OFFICE_ACTION, { reason: '未解决' }],
    ['POST', `/api/v1/tickets/${T}/close`, OFFICE_ACTION, {}],
    ['POST', `/api/v1/tickets/${T}/supervise`, SUPER_ACTION, { level: '催办' }],
    ['POST', `/api/v1/tickets/${T}/merge`, OFFICE_ACTION, { into: T }],
    ['POST', `/api/v1/tickets/${T}/notes`, [401, 'ok', 'ok', 404, 'ok', 'ok'], { text: '备注' }],
    ['POST', `/api/v1/tickets/${T}/reveal-contact`, OWN_TICKET],
    ['GET', '/api/v1/stats/rates?from=2026-11-01&to=2026-11-30', ALL],
    ['GET', '/api/v1/stats/ranking?month=2026-11', ALL],
    ['GET', '/api/v1/stats/assessment?month=2026-11', ALL],
    ['GET', '/api/v1/stats/trend?interval=month&periods=2', ALL],
    ['GET', '/api/v1/stats/places?from=2026-11-01&to=2026-11-30', ALL],
    ['GET', '/api/v1/kpi-rules', OFFICE],
    ['POST', '/api/v1/kpi-rules', ADMIN, { effectiveFrom: '2099-01', reason: '授权矩阵' }],
    ['GET', '/api/v1/accountability/flags?from=2026-11-01&to=2026-11-30', SUPER],
    ['GET', `/api/v1/accountability/case-file?unit=${encodeURIComponent('市城管局')}`, SUPER],
    ['GET', '/api/v1/supervision/notices', OFFICE],
    ['POST', '/api/v1/supervision/sweep', SUPER],
    ['POST', '/api/v1/supervision/hotspots/scan', SUPER],
    ['POST', '/api/v1/supervision/joint-meeting', SUPER, { ticketIds: [T], matter: '路灯' }],
    ['GET', '/api/v1/duty/rosters', ALL],
    ['PUT', '/api/v1/duty/rosters/市城管局', EDITORS, {}],
    ['DELETE', '/api/v1/duty/rosters/市城管局', EDITORS],
    ['PUT', '/api/v1/duty/chains/市城管局', EDITORS, {}],
    ['GET', '/api/v1/duty/pages', ALL],
    ['POST', '/api/v1/duty/pages', OFFICE, { ticketId: T }],
    ['GET', '/api/v1/sim/outbox', OFFICE],
    ['POST', '/api/v1/sim/sms', OFFICE, { from: '13800000000', text: '查询' }],
    // 网格员, media, 市长热线日 (grid and media users themselves: test/web/routes/api/grid-media-mayor.test.ts)
    ['GET', '/api/v1/grid/me', [401, 403, 403, 403, 403, 403]],
    ['GET', '/api/v1/grid/tasks', [401, 403, 403, 403, 403, 403]],
    ['POST', '/api/v1/grid/reports', [401, 403, 403, 403, 403, 403], { content: '井盖缺失', place: '红都大道' }],
    ['POST', '/api/v1/grid/photos', ALL, { data: 'bm90IGFuIGltYWdlIGF0IGFsbA==' }],
    ['GET', '/api/v1/grid/workers', OFFICE],
    ['POST', `/api/v1/grid/tickets/${T}/assign`, OFFICE, { workerId: 'nobody' }],
    ['POST', `/api/v1/grid/tickets/${T}/report`, [401, 403, 403, 404, 403, 403], { text: '现场看过' }],
    ['POST', `/api/v1/grid/tickets/${T}/confirm`, [401, 403, 403, 404, 403, 403], { ok: true }],
    ['GET', '/api/v1/media/tickets', SUPER],
    ['GET', `/api/v1/media/tickets/${T}`, [401, 403, 403, 403, 404, 404]],
    ['GET', '/api/v1/media/feed', SUPER],
    ['POST', `/api/v1/media/tickets/${T}/publish`, SUPER, {}],
    ['POST', `/api/v1/media/tickets/${T}/unpublish`, SUPER, {}],
    ['GET', '/api/v1/mayor-day', SUPER],
    ['GET', '/api/v1/mayor-day/candidates', SUPER],
    ['POST', '/api/v1/mayor-day', SUPER, { date: '2099-01-01' }],
    ['POST', '/api/v1/mayor-day/items', SUPER, { ticketIds: [T] }],
    ['POST', '/api/v1/mayor-day/x/items/y/positions', [401, 403, 403, 403, 404, 404], { unit: '市城管局', position: '意见' }],
    ['POST', '/api/v1/mayor-day/x/items/y/decision', [401, 403, 403, 403, 404, 404], { decision: '决定' }],
  ];
}

const classify = (s: number): E => (s === 401 || s === 403 || s === 404 ? s : 'ok');

if (!process.env.SUBAN_TEST_PG_URL) t.comment('authorisation matrix on PostgreSQL skipped: SUBAN_TEST_PG_URL is not set');

for (const engine of ENGINES) t.test(`authorisation matrix on ${engine}: every route × every role`, async (t) => {
  const h: TestApp = await testApp(t, { engine, env: { SUBAN_WEBHOOK_RATE_LIMIT: '0' } });
  const mk = async () => (await h.call('operator', 'POST', '/api/v1/tickets', { content: '象湖镇红都大道路灯不亮', contact: '13800002222', unit: '市城管局' })).json.ticket;
  const wrong: string[] = [];
  const rows = matrix('X', 'Y', 'Z');
  const throwaway = async () => (await h.ctx.users.create({ id: randomUUID(), name: `tmp-${randomUUID().slice(0, 8)}`, role: 'operator', unit: null, displayName: null, phone: null, disabled: false, passwordHash: null }, h.clock.now())).id;
  for (const [i, [method]] of rows.entries()) {
    // A fresh ticket per row and role, so one role's action cannot change what the next role sees.
    for (const [j, who] of WHO.entries()) {
      const tk = await mk();
      await seedDemoRosters(h.ctx); // a roster to delete, again for every role
      const u = await throwaway();
      const [, url, expected, body] = matrix(tk.id, tk.number, u)[i]!;
      const r = await h.call(who === 'none' ? null : who, method, url, body);
      const got = classify(r.status);
      if (got !== expected[j]) wrong.push(`${method} ${url.replace(tk.id, ':id').replace(tk.number, ':number').replace(u, ':user')} as ${who}: expected ${expected[j]}, got ${r.status} ${r.body.slice(0, 120)}`);
    }
  }
  t.same(wrong, [], 'every route answers every role as the policy says');
  t.ok(rows.length >= 45, `${rows.length} routes × ${WHO.length} roles`);
});
