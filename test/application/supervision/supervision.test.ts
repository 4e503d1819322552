import t from 'tap';
import { eq } from 'drizzle-orm';
import { testApp } from '../../helpers/app.js';
import type { SupervisionNotice } from '../../../src/application/supervision/service.js';
import { decisionCounts } from '../../../src/application/supervision/decisions.js';
import { TOPIC } from '../../../src/application/ports/events.js';
import { byUnit } from '../../../src/domain/kpi/index.js';

// Thursday 2026-11-26 10:00 Shanghai. Office hours 08:30–12:00, 14:30–17:30.
const START = '2026-11-26T02:00:00Z';
const HEAD = '13800000010';

t.test('督办 sweep', async (t) => {
  const h = await testApp(t, { now: START });
  // upsert keeps an existing unit's head phone (edited by admins), so set it as an admin edit would.
  await h.ctx.db.db.update(h.ctx.db.t.units).set({ headPhone: HEAD }).where(eq(h.ctx.db.t.units.name, '市城管局'));
  const notices: SupervisionNotice[] = [];
  h.ctx.bus.subscribe(TOPIC.supervision, (n) => notices.push(n));
  const headSms = () => h.ctx.simSms!.sent.filter((m) => m.to === HEAD);
  const create = async () => {
    const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category: '求助', contact: '13900000100', content: '象湖镇红都大道路灯不亮' });
    return r.json.ticket as { id: string; signDeadline: string; replyDeadline: string };
  };

  await t.test('催办 before the sign deadline, once; 督办 after it', async (t) => {
    const tk = await create();
    t.equal(tk.signDeadline, '2026-11-26T04:00:00.000Z', 'two working hours: 12:00');
    h.clock.set('2026-11-26T03:00:00Z'); // 11:00, an hour left
    t.same(await h.ctx.supervision.sweep(), { checked: 1, reminded: 0, supervised: 0, noticed: 0 }, 'nothing yet');
    h.clock.set('2026-11-26T03:40:00Z'); // 11:40
    const r1 = await h.ctx.supervision.sweep();
    t.equal(r1.reminded, 1);
    t.equal((await h.ctx.ticketStore.get(tk.id))!.supervision, '催办');
    t.equal(headSms().length, 1);
    t.match(headSms()[0].text, /【12345催办】.*11月26日 12:00.*签收/);
    t.equal(notices.at(-1)!.level, '催办');
    t.equal((await h.ctx.supervision.sweep()).reminded, 0, 'a 催办 is sent once per deadline');
    h.clock.set('2026-11-26T04:05:00Z'); // 12:05, unsigned
    const r2 = await h.ctx.supervision.sweep();
    t.equal(r2.supervised, 1);
    t.equal((await h.ctx.ticketStore.get(tk.id))!.supervision, '督办');
    t.match(headSms().at(-1)!.text, /【12345督办】.*超过签收时限/);
    const listed = await h.call('supervisor', 'GET', '/api/v1/supervision/tickets?level=督办');
    t.ok(listed.json.items.some((x: { id: string }) => x.id === tk.id));
    const asUnitB = await h.call('unitB', 'GET', '/api/v1/supervision/tickets');
    t.equal(asUnitB.json.items.length, 0, "another unit does not see this unit's marks");
    await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/sign`);
    await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/reply`, { reply: '已修复' });
  });

  await t.test('reply deadline: 催办 a working day before, 督办 the moment it passes, 通报 after 5 working days', async (t) => {
    h.clock.set(START);
    const tk = await create();
    await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/sign`);
    const due = new Date(tk.replyDeadline);
    h.clock.set(new Date(due.getTime() - 20 * 3600_000));
    const r = await h.ctx.supervision.sweep();
    t.equal(r.reminded, 1);
    t.match(headSms().at(-1)!.text, /将于.*到达办理反馈时限/);
    h.clock.set(new Date(due.getTime() + 60_000));
    await h.ctx.runner.runDue(); // sla.reply_due
    t.equal((await h.ctx.ticketStore.get(tk.id))!.supervision, '督办', 'marked by the reply_due timer, not by a later sweep');
    t.match(headSms().at(-1)!.text, /超过办理时限.*未反馈/);
    h.clock.set(new Date(due.getTime() + 4 * 86400_000 + 3600_000));
    const days4 = h.ctx.calendar.workingDaysBetween(due, h.clock.now());
    t.ok(days4 < 5, `${days4} working days overdue: not yet 通报`);
    t.equal((await h.ctx.supervision.sweep()).noticed, 0);
    h.clock.set(new Date(due.getTime() + 8 * 86400_000));
    t.equal((await h.ctx.supervision.sweep()).noticed, 1);
    t.equal((await h.ctx.ticketStore.get(tk.id))!.supervision, '通报');
    const list = await h.call('supervisor', 'GET', '/api/v1/supervision/notices');
    t.equal(list.json.items.length, 1);
    t.equal(list.json.items[0].ticketId, tk.id);
    t.ok(list.json.items[0].overdueWorkingDays >= 5);
    t.equal((await h.call('unitA', 'GET', '/api/v1/supervision/notices')).status, 403, 'the 通报 list is for the hotline office');
  });

  await t.test('the sweep is a durable job that re-enqueues itself per time slot', async (t) => {
    await h.ctx.supervision.schedule();
    await h.ctx.supervision.schedule();
    const pending = await h.ctx.jobs.list({ status: 'pending', kindPrefix: 'supervision.sweep' });
    t.equal(pending.length, 1, 'one job per slot however often it is asked');
    h.clock.set(pending[0].runAt);
    await h.ctx.runner.runDue();
    const next = await h.ctx.jobs.list({ status: 'pending', kindPrefix: 'supervision.sweep' });
    t.equal(next.length, 1);
    t.equal(next[0].runAt.getTime() - pending[0].runAt.getTime(), 15 * 60_000);
  });

  await t.test('延期 and 退单 decisions are listed and counted', async (t) => {
    h.clock.set('2026-12-07T02:00:00Z');
    const a = await create();
    await h.call('unitA', 'POST', `/api/v1/tickets/${a.id}/sign`);
    await h.call('unitA', 'POST', `/api/v1/tickets/${a.id}/extension`, { days: 3, reason: '需采购配件' });
    const b = await create();
    await h.call('unitA', 'POST', `/api/v1/tickets/${b.id}/return`, { reason: '不属于本单位职责' });
    const pending = await h.call('operator', 'GET', '/api/v1/supervision/decisions');
    t.same(pending.json.extensions.map((x: { id: string }) => x.id), [a.id]);
    t.same(pending.json.returns.map((x: { id: string }) => x.id), [b.id]);
    await h.call('supervisor', 'POST', `/api/v1/tickets/${a.id}/extension/decision`, { approved: true });
    await h.call('operator', 'POST', `/api/v1/tickets/${b.id}/dispatch`, { unit: '润泉供水公司' });
    const histories = [await h.ctx.ticketStore.events(a.id), await h.ctx.ticketStore.events(b.id)];
    const c = decisionCounts(histories, { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') }, byUnit).get('市城管局')!;
    t.same({ req: c.extensionRequested, ok: c.extensionApproved, ret: c.returned, acc: c.returnAccepted }, { req: 1, ok: 1, ret: 1, acc: 1 });
  });
});
