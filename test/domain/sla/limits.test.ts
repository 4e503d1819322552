import t from 'tap';
import { shanghaiInstant } from '../../../src/domain/clock.js';
import { DEFAULT_SLA_LIMITS, WorkCalendar, computeDeadlines, extendReply, resolveSlaLimits } from '../../../src/domain/sla/index.js';

const sh = (s: string): Date => {
  const [d, hm] = s.split(' ');
  const [h, m] = hm.split(':').map(Number);
  return shanghaiInstant(d, h * 60 + m);
};
const cal = new WorkCalendar();

t.test('default limits follow hotline practice', async (t) => {
  const c = DEFAULT_SLA_LIMITS.categories;
  t.same([c.咨询.signWorkingMinutes, c.咨询.replyWorkingDays], [120, 3]);
  t.same([c.求助.replyWorkingDays, c.建议.replyWorkingDays], [10, 10]);
  t.same([c.投诉.replyWorkingDays, c.举报.replyWorkingDays], [15, 15]);
  t.same(DEFAULT_SLA_LIMITS.urgent, { signClockMinutes: 30, replyMode: 'clock_hours', replyClockHours: 24 });
});

t.test('Friday evening 咨询: sign Monday 10:30, reply Wednesday close', async (t) => {
  const d = computeDeadlines(cal, DEFAULT_SLA_LIMITS, { category: '咨询', urgent: false, from: sh('2025-11-28 19:00') });
  t.same(d.signBy, sh('2025-12-01 10:30'));
  t.same(d.replyBy, sh('2025-12-03 17:30'));
});

t.test('投诉 across National Day: 15 working days', async (t) => {
  const d = computeDeadlines(cal, DEFAULT_SLA_LIMITS, { category: '投诉', urgent: false, from: sh('2025-09-30 11:00') });
  // 60 minutes before noon, 60 after 14:30.
  t.same(d.signBy, sh('2025-09-30 15:30'));
  // 10-09, 10, 11 (Sat 调休), 13–17, 20–24, 27, 28 → the 15th is Tue 10-28.
  t.same(d.replyBy, sh('2025-10-28 17:30'));
});

t.test('即办 at 03:00 on a holiday runs on the clock', async (t) => {
  const from = sh('2025-10-03 03:00');
  const d = computeDeadlines(cal, DEFAULT_SLA_LIMITS, { category: '求助', urgent: true, from });
  t.same(d.signBy, sh('2025-10-03 03:30'));
  t.same(d.replyBy, sh('2025-10-04 03:00'), '24 clock hours');
  const strict = resolveSlaLimits({ urgent: { replyMode: 'end_of_day' } });
  const e = computeDeadlines(cal, strict, { category: '求助', urgent: true, from });
  t.same(e.replyBy, sh('2025-10-04 00:00'), 'end of the Shanghai calendar day');
  const late = computeDeadlines(cal, strict, { category: '求助', urgent: true, from: sh('2025-10-03 23:40') });
  t.same(late.replyBy, sh('2025-10-04 00:00'), 'end_of_day is strict for late tickets');
});

t.test('extendReply adds working days to the current deadline', async (t) => {
  t.same(extendReply(cal, sh('2025-12-03 17:30'), 5), sh('2025-12-10 17:30'), 'Thu, Fri, Mon, Tue, Wed');
  t.same(extendReply(cal, sh('2025-09-29 17:30'), 2), sh('2025-10-09 17:30'), '09-30 then the holiday, then 10-09');
  t.throws(() => extendReply(cal, sh('2025-12-03 17:30'), 0), { code: 'bad_extension' });
});

t.test('resolveSlaLimits merges overrides and names a bad field', async (t) => {
  const l = resolveSlaLimits({ categories: { 咨询: { replyWorkingDays: 2 } }, urgent: { replyClockHours: 12 } });
  t.equal(l.categories.咨询.replyWorkingDays, 2);
  t.equal(l.categories.咨询.signWorkingMinutes, 120, 'unchanged field kept');
  t.equal(l.categories.投诉.replyWorkingDays, 15, 'other categories kept');
  t.equal(l.urgent.replyClockHours, 12);
  t.equal(DEFAULT_SLA_LIMITS.categories.咨询.replyWorkingDays, 3, 'defaults not mutated');
  t.throws(() => resolveSlaLimits({ categories: { 投诉: { replyWorkingDays: 1.5 } } }), { code: 'bad_sla_limit', message: /categories\.投诉\.replyWorkingDays/ });
  t.throws(() => resolveSlaLimits({ categories: { 其他: {} } as never }), { code: 'bad_sla_limit', message: /其他/ });
  t.throws(() => resolveSlaLimits({ urgent: { signClockMinutes: 0 } }), { message: /urgent\.signClockMinutes/ });
  t.throws(() => resolveSlaLimits({ urgent: { replyMode: 'soon' as never } }), { message: /urgent\.replyMode/ });
});
