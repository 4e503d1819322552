import t from 'tap';
import { applyEvent, assertTransition, foldEvents } from '../../src/domain/tickets/lifecycle.js';
import type { TicketEventData } from '../../src/domain/tickets/events.js';
import type { Ticket } from '../../src/domain/tickets/ticket.js';
import { mayAct, type Principal } from '../../src/domain/policy.js';
import { introducedNames, maskHouseNumbers } from '../../src/domain/privacy.js';
import { timersFor, DEFAULT_GRID_CONFIRM_MS } from '../../src/application/tickets/timers.js';
import { JOB } from '../../src/application/ports/jobs.js';
import type { DeadlineCalendar } from '../../src/application/ports/routing.js';

const at = new Date('2026-11-26T02:00:00Z');
const created = (grid = false): TicketEventData => ({
  type: 'created',
  number: '20261126-0001',
  channel: grid ? 'grid' : 'phone',
  contact: null,
  contactName: null,
  content: '井盖缺失',
  category: '求助',
  urgent: false,
  township: '象湖镇',
  place: null,
  attachments: [],
  noCallback: grid,
  externalRef: null,
  ...(grid ? { gridReporter: { id: 'g1', name: '小王', township: '象湖镇' } } : {}),
});
const dispatched: TicketEventData = { type: 'dispatched', unit: '象湖镇', signDeadline: '2026-11-26T03:00:00Z', replyDeadline: '2026-11-30T03:00:00Z' };
const run = (events: TicketEventData[]) => {
  let tk: Ticket | null = null;
  for (const e of events) {
    if (tk) assertTransition(tk, e);
    tk = applyEvent(tk, { ticketId: 'x', at, data: e });
  }
  return tk!;
};

t.test('grid tasks follow the events', async (t) => {
  const report = run([created(true)]);
  t.match(report.grid, { workerId: 'g1', reporterId: 'g1', status: 'reported' });
  t.equal(run([created()]).grid, null);
  const assigned = run([created(), dispatched, { type: 'grid_assigned', workerId: 'g2', workerName: '小李', township: '象湖镇' }]);
  t.match(assigned.grid, { workerId: 'g2', reporterId: null, status: 'assigned' });
  const replied = run([created(), dispatched, { type: 'grid_assigned', workerId: 'g2', workerName: '小李', township: '象湖镇' }, { type: 'grid_reported', text: '看过', attachments: [{ kind: 'image', url: '/media/grid/a.jpg' }] }, { type: 'signed' }, { type: 'replied', reply: '已修' }]);
  t.equal(replied.grid!.status, 'confirming', 'a reply waits for the grid worker');
  t.same(replied.attachments, [{ kind: 'image', url: '/media/grid/a.jpg' }]);
  const back = applyEvent(replied, { ticketId: 'x', at, data: { type: 'grid_confirmed', ok: false, note: '没修好' } });
  t.equal(back.state, 'handling', 'not done: back to the unit');
  t.equal(back.grid!.status, 'rejected');
  const ok = applyEvent(replied, { ticketId: 'x', at, data: { type: 'grid_confirmed', ok: true } });
  t.equal(ok.state, 'replied');
  t.equal(ok.grid!.status, 'confirmed');
  t.equal(applyEvent(replied, { ticketId: 'x', at, data: { type: 'grid_confirm_lapsed' } }).grid!.status, 'lapsed');
  t.throws(() => assertTransition(run([created(), dispatched]), { type: 'grid_confirmed', ok: true }), { code: 'illegal_transition' }, 'only a replied ticket is confirmed');
  t.throws(() => assertTransition(run([created(), dispatched]), { type: 'published' }), { code: 'illegal_transition' }, 'only a closed ticket is published');
  t.same(foldEvents([created(true)].map((data) => ({ ticketId: 'x', at, data }))).grid, report.grid, 'the fold equals the row');
});

t.test('publication: closed tickets only; withdrawn, or gone on 重办', async (t) => {
  const closed = run([created(), dispatched, { type: 'signed' }, { type: 'replied', reply: '好' }, { type: 'closed' }]);
  const pub = applyEvent(closed, { ticketId: 'x', at, data: { type: 'published', headline: '标题' } });
  t.match(pub.publication, { headline: '标题', summary: null, at: at.toISOString() });
  t.equal(applyEvent(pub, { ticketId: 'x', at, data: { type: 'unpublished' } }).publication, null);
  t.equal(applyEvent(pub, { ticketId: 'x', at, data: { type: 'reopened', reason: '又坏了', toOperator: false } }).publication, null);
});

t.test('who may act: grid workers on their own tickets, the media centre on none', async (t) => {
  const g: Principal = { id: 'g1', name: '小王', role: 'grid', unit: null };
  const m: Principal = { id: 'm1', name: '编辑', role: 'media', unit: null };
  const mine = { unit: '象湖镇', grid: { workerId: 'g1', reporterId: null } };
  const reported = { unit: '象湖镇', grid: { workerId: 'g2', reporterId: 'g1' } };
  const other = { unit: '象湖镇', grid: null };
  t.ok(mayAct(g, 'read', mine));
  t.ok(mayAct(g, 'grid_confirm', mine));
  t.ok(mayAct(g, 'read', reported), 'the reporter still reads it');
  t.notOk(mayAct(g, 'grid_report', reported), 'but the one who has it reports');
  t.notOk(mayAct(g, 'read', other));
  t.notOk(mayAct(g, 'sign', mine));
  t.ok(mayAct(g, 'create'));
  for (const a of ['read', 'create', 'note', 'publish', 'grid_assign'] as const) t.notOk(mayAct(m, a, mine), `media: no ${a}`);
  t.ok(mayAct({ id: 's', name: 's', role: 'supervisor', unit: null }, 'publish', other));
  t.notOk(mayAct({ id: 'o', name: 'o', role: 'operator', unit: null }, 'publish', other));
  t.ok(mayAct({ id: 'u', name: 'u', role: 'unit', unit: '象湖镇' }, 'grid_assign', other));
});

t.test('masking for the media centre', async (t) => {
  t.equal(maskHouseNumbers('住红都大道88号3栋2单元501室，楼下'), '住红都大道[门牌已隐去]，楼下');
  t.same(introducedNames('我叫李四，联系人 赵六，我是本小区业主'), ['李四', '赵六']);
});

t.test('timers: a reply with a grid worker waits for the confirmation', async (t) => {
  const cal = { nextCallTime: (d: Date) => d, deadlines: () => ({ signBy: at, replyBy: at }), extendReply: (d: Date) => d } as unknown as DeadlineCalendar;
  const withGrid = run([created(), dispatched, { type: 'grid_assigned', workerId: 'g2', workerName: '小李', township: '象湖镇' }, { type: 'signed' }, { type: 'replied', reply: '已修' }]);
  const r1 = timersFor(withGrid, [{ type: 'replied', reply: '已修' }], cal, at, { gridConfirmMs: 3600_000 });
  t.same(r1.jobs.map((j) => j.kind), [JOB.gridConfirmDue]);
  t.equal(r1.jobs[0]!.runAt.getTime(), at.getTime() + 3600_000);
  t.equal(timersFor(withGrid, [{ type: 'replied', reply: '已修' }], cal, at).jobs[0]!.runAt.getTime(), at.getTime() + DEFAULT_GRID_CONFIRM_MS, 'default 24 h');
  const plain = run([created(), dispatched, { type: 'signed' }, { type: 'replied', reply: '已修' }]);
  t.same(timersFor(plain, [{ type: 'replied', reply: '已修' }], cal, at).jobs.map((j) => j.kind), [JOB.followupStart], 'without a grid worker: the 回访 at once');
  const ok = applyEvent(withGrid, { ticketId: 'x', at, data: { type: 'grid_confirmed', ok: true } });
  const r2 = timersFor(ok, [{ type: 'grid_confirmed', ok: true }], cal, at);
  t.same(r2.jobs.map((j) => j.kind), [JOB.followupStart]);
  t.same(r2.cancel, ['grid:x:']);
  const lapsed = applyEvent(withGrid, { ticketId: 'x', at, data: { type: 'grid_confirm_lapsed' } });
  t.same(timersFor(lapsed, [{ type: 'grid_confirm_lapsed' }], cal, at).jobs.map((j) => j.kind), [JOB.followupStart]);
  const no = applyEvent(withGrid, { ticketId: 'x', at, data: { type: 'grid_confirmed', ok: false, note: 'x' } });
  t.same(timersFor(no, [{ type: 'grid_confirmed', ok: false, note: 'x' }], cal, at).jobs.map((j) => j.kind), [JOB.replyDue], 'back to the unit: its reply deadline is watched again');
});
