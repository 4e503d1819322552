/**
 * One place decides which pages and 市政府值班室 reports a ticket change starts: the ticket timers
 * (issue 18, item 10). Paging's bus reaction used to enqueue them again without the timers'
 * exemption for mirrors of interconnect platforms, so an urgent mirrored case paged the unit and
 * reported to the 市政府值班室, which its own platform does.
 */
import t from 'tap';
import { testApp } from '../../helpers/app.js';
import { SYSTEM } from '../../../src/domain/tickets/ticket.js';

const CITY = '07970000110';

t.test('an urgent mirror of an interconnect platform: no page, no 市政府值班室 report', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T02:00:00Z', config: { cityDutyPhone: CITY } });
  const { ticket } = await h.ctx.tickets.intake(
    { channel: 'platform:12315热线', content: '象湖镇红都大道某商场燃气泄漏，有人晕倒', contact: '13907971234', category: '投诉', urgent: true, unit: null, noCallback: true, externalRef: 'mirror-1', sourceKey: 'platform:hotline-12315:mirror-1' },
    SYSTEM,
    'platform',
  );
  const at = h.clock.now();
  // The platform reports it dispatched, signed and answered (what PlatformService.syncMirror applies).
  await h.ctx.tickets.apply(ticket.id, SYSTEM, 'platform', () => [{ type: 'dispatched', unit: '市市场监管局', signDeadline: new Date(at.getTime() + 1800_000).toISOString(), replyDeadline: new Date(at.getTime() + 86400_000).toISOString() }]);
  await h.ctx.pagingIdle();
  await h.ctx.tickets.apply(ticket.id, SYSTEM, 'platform', () => [{ type: 'signed' }]);
  await h.ctx.tickets.apply(ticket.id, SYSTEM, 'platform', () => [{ type: 'replied', reply: '已关闭燃气阀门，伤者已送医' }]);
  await h.ctx.pagingIdle();
  await h.ctx.runner.runDue();
  await h.ctx.pagingIdle();

  const jobs = (await h.ctx.jobs.list({})).filter((j) => j.payload.ticketId === ticket.id);
  t.same(jobs.map((j) => j.kind), [], 'no page or report job for a mirror');
  t.equal(h.ctx.simVoice!.calls.length, 0, 'nobody called');
  t.notOk(h.ctx.simSms!.sent.some((m) => m.to === CITY), 'nothing reported to the 市政府值班室');
});

t.test('an urgent ticket of our own: the timers still page on a later dispatch and report once on the reply', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T02:00:00Z', config: { cityDutyPhone: CITY } });
  const { ticket } = await h.ctx.tickets.intake({ channel: 'web', content: '象湖镇红都大道燃气泄漏，有人晕倒', contact: '13907971235', category: '求助', urgent: true, unit: null }, SYSTEM, 'web');
  const at = h.clock.now();
  await h.ctx.tickets.apply(ticket.id, SYSTEM, 'console', () => [{ type: 'dispatched', unit: '市城管局', signDeadline: new Date(at.getTime() + 1800_000).toISOString(), replyDeadline: new Date(at.getTime() + 86400_000).toISOString() }]);
  await h.ctx.pagingIdle();
  const starts = (await h.ctx.jobs.list({ kindPrefix: 'page.start' })).filter((j) => j.payload.ticketId === ticket.id);
  t.ok(starts.some((j) => j.key.startsWith(`page:${ticket.id}:start:`)), 'the later dispatch pages the unit');
  await h.ctx.tickets.apply(ticket.id, SYSTEM, 'console', () => [{ type: 'signed' }]);
  await h.ctx.tickets.apply(ticket.id, SYSTEM, 'console', () => [{ type: 'replied', reply: '已关闭燃气阀门' }]);
  await h.ctx.pagingIdle();
  const reports = (await h.ctx.jobs.list({ kindPrefix: 'page.report' })).filter((j) => j.payload.ticketId === ticket.id);
  t.equal(reports.length, 1, 'one report job, from the timers');
  await h.ctx.runner.runDue();
  t.equal(h.ctx.simSms!.sent.filter((m) => m.to === CITY && m.text.includes(ticket.number)).length, 1, 'reported to the 市政府值班室 once');
});
