import t from 'tap';
import { applyEvent } from '../../../src/domain/tickets/lifecycle.js';
import type { TicketEventData } from '../../../src/domain/tickets/events.js';
import type { Ticket } from '../../../src/domain/tickets/ticket.js';
import { timersFor } from '../../../src/application/tickets/timers.js';
import { JOB } from '../../../src/application/ports/jobs.js';
import type { DeadlineCalendar } from '../../../src/application/ports/routing.js';

const at = new Date('2026-12-07T03:00:00Z');
const cal: DeadlineCalendar = {
  deadlines: () => ({ signBy: at, replyBy: at }),
  extendReply: (d: Date) => d,
  nextCallTime: (d: Date) => d,
} as unknown as DeadlineCalendar;

function replied(urgent: boolean): Ticket {
  const events: TicketEventData[] = [
    { type: 'created', number: '20261207-0001', channel: 'phone', contact: '13900000007', contactName: null, content: '燃气管道泄漏', category: '求助', urgent, township: '象湖镇', place: null, attachments: [], noCallback: false, externalRef: null },
    { type: 'dispatched', unit: '市城管局', signDeadline: '2026-12-07T04:00:00Z', replyDeadline: '2026-12-08T03:00:00Z' },
    { type: 'signed' },
    { type: 'replied', reply: '已处置' },
  ];
  let tk: Ticket | null = null;
  for (const data of events) tk = applyEvent(tk, { ticketId: 'T1', at, data });
  return tk!;
}

function followedUp(urgent: boolean, satisfaction: '满意' | '不满意') {
  const events: TicketEventData[] = [{ type: 'followed_up', result: { satisfaction, solved: satisfaction === '满意', via: 'phone' } }, satisfaction === '满意' ? { type: 'closed' } : { type: 'reopened', reason: '群众不满意', toOperator: false }];
  let tk = replied(urgent);
  for (const data of events) tk = applyEvent(tk, { ticketId: 'T1', at, data });
  return { after: tk, events };
}

t.test('a 即办 回访 sets its report to the 市政府值班室 with the 回访 itself (one ticket timer, not a bus reaction)', async (t) => {
  for (const satisfaction of ['满意', '不满意'] as const) {
    const { after, events } = followedUp(true, satisfaction);
    const r = timersFor(after, events, cal, at);
    const reports = r.jobs.filter((j) => j.kind === JOB.followupReport);
    t.same(reports, [{ kind: JOB.followupReport, key: `followup-report:T1:${after.version}`, runAt: at, payload: { ticketId: 'T1', version: after.version } }], `${satisfaction}: one report, due now`);
    t.notOk(r.cancel.some((prefix) => reports[0]!.key.startsWith(prefix)), `${satisfaction}: not cancelled by the same change`);
  }
});

t.test('no report for an ordinary ticket, nor for a mirror of a platform that reports itself', async (t) => {
  const plain = followedUp(false, '满意');
  t.notOk(timersFor(plain.after, plain.events, cal, at).jobs.some((j) => j.kind === JOB.followupReport));
  const urgent = followedUp(true, '满意');
  t.same(timersFor(urgent.after, urgent.events, cal, at, { mirror: true }).jobs, []);
});
