import t from 'tap';
import { shanghaiInstant } from '../../../src/domain/clock.js';
import type { TicketEvent, TicketEventData } from '../../../src/domain/tickets/events.js';
import { claimsSolved, detectFlags, needsAssignment, normaliseForCompare, textSimilarity, type DutyAssignment } from '../../../src/domain/accountability/detect.js';

/** The detector's edges, on hand-made histories: thresholds, the 30-day window, what counts as a claim. */
const sh = (s: string) => {
  const [d, hm] = s.split(' ');
  const [h, m] = hm!.split(':').map(Number);
  return shanghaiInstant(d!, h! * 60 + m!);
};
type Step = [string, TicketEventData, string?];
const ticket = (id: string, ...steps: Step[]): TicketEvent[] => steps.map(([at, data, role], i) => ({ ticketId: id, seq: i + 1, at: sh(at), actorId: role ?? 'op', actorRole: role ?? 'operator', via: 'test', data }));
const created = (n: string, content: string, contact = '13800000000', place: string | null = null): TicketEventData => ({
  type: 'created',
  number: n,
  channel: 'phone',
  contact,
  contactName: null,
  content,
  category: '投诉',
  urgent: false,
  township: null,
  place,
  attachments: [],
  noCallback: false,
  externalRef: null,
});
const dispatched = (unit: string): TicketEventData => ({ type: 'dispatched', unit, signDeadline: sh('2026-11-02 12:00').toISOString(), replyDeadline: sh('2026-11-20 17:30').toISOString() });
const replied = (reply: string): TicketEventData => ({ type: 'replied', reply });
const closed: TicketEventData = { type: 'closed' };
const period = { from: sh('2026-11-01 00:00'), to: sh('2026-12-01 00:00') };
const none = new Map<string, DutyAssignment>();

t.test('what a reply claims', async (t) => {
  for (const s of ['已修复', '经核查，已安排人员清理完毕，现已恢复正常', '问题已解决', '该问题已处理完毕']) t.ok(claimsSolved(s), s);
  for (const s of ['经核查不属于我局职责，已转交市住建局', '暂无法处理，待资金到位后安排', '收到，正在处理']) t.notOk(claimsSolved(s), s);
});

t.test('text comparison ignores spaces, punctuation and digits', async (t) => {
  t.equal(normaliseForCompare('工单 20261126-0001：已 修复！'), '工单#已修复');
  t.equal(textSimilarity(normaliseForCompare('第3号路灯已更换'), normaliseForCompare('第17号路灯已更换。')), 1);
  t.ok(textSimilarity('红都大道路灯不亮', '红都大道路灯还是不亮') > 0.6);
  t.ok(textSimilarity('红都大道路灯不亮', '家里停水三天了') < 0.1);
});

t.test('推诿 needs the duty list to name the unit, and at least two refused returns', async (t) => {
  const refusedTwice = (id: string, n: string) =>
    ticket(id, ['2026-11-02 10:00', created(n, '路灯不亮')], ['2026-11-02 10:00', dispatched('城管局')], ['2026-11-02 10:10', { type: 'returned', reason: '不归我们' }, 'unit'], ['2026-11-02 10:20', dispatched('城管局')]);
  const hs = [refusedTwice('a', 'N1'), refusedTwice('b', 'N2')];
  const own = new Map([
    ['a', { unit: '城管局', evidence: ['路灯'] }],
    ['b', { unit: '城管局', evidence: ['路灯'] }],
  ]);
  t.same(needsAssignment(hs), new Set(['a', 'b']));
  t.equal(detectFlags(hs, { period, assigned: own }).length, 1);
  t.equal(detectFlags(hs, { period, assigned: new Map([...own].slice(0, 1)) }).length, 0, 'one of them is another unit’s matter: one is not repeated');
  t.equal(detectFlags(hs, { period, assigned: own, minRefusedReturns: 3 }).length, 0);
  t.equal(detectFlags(hs, { period: { from: sh('2026-12-01 00:00'), to: sh('2027-01-01 00:00') }, assigned: own }).length, 0, 'returns of another period');
  const accepted = ticket('c', ['2026-11-02 10:00', created('N3', '路灯不亮')], ['2026-11-02 10:00', dispatched('城管局')], ['2026-11-02 10:10', { type: 'returned', reason: '不归我们' }, 'unit'], ['2026-11-02 10:20', dispatched('供电公司')]);
  t.equal(detectFlags([hs[0]!, accepted], { period, assigned: new Map([...own, ['c', { unit: '城管局', evidence: [] }]]) }).length, 0, 'a return the office accepted is no 推诿');
});

t.test('a repeat call counts within 30 days of the close only', async (t) => {
  const first = ticket('a', ['2026-11-02 10:00', created('N1', '建设路12号停水', '13900000001', '建设路12号')], ['2026-11-02 10:00', dispatched('供水公司')], ['2026-11-03 10:00', replied('已恢复供水'), 'unit'], ['2026-11-03 11:00', closed]);
  const again = (days: number, content: string, place: string | null, unit = '供水公司') =>
    ticket('b', [`2026-${days > 27 ? '12' : '11'}-${String(days > 27 ? days - 27 : days + 3).padStart(2, '0')} 12:00`, created('N2', content, '13900000001', place)], [`2026-${days > 27 ? '12' : '11'}-${String(days > 27 ? days - 27 : days + 3).padStart(2, '0')} 12:00`, dispatched(unit)]);
  t.equal(detectFlags([first, again(5, '又停水了', '建设路12号')], { period, assigned: none }).length, 1, 'the same place, five days later');
  t.equal(detectFlags([first, again(5, '建设路12号停水了', null)], { period, assigned: none }).length, 1, 'similar words');
  t.equal(detectFlags([first, again(5, '想问一下水费怎么交', null)], { period, assigned: none }).length, 0, 'another matter');
  t.equal(detectFlags([first, again(5, '建设路12号停水', '建设路12号', '城管局')], { period, assigned: none }).length, 0, 'another unit');
  t.equal(detectFlags([first, again(29, '建设路12号停水', '建设路12号')], { period, assigned: none }).length, 1, 'day 29 (12-02)');
  // 12-05 12:00 is more than 30 days after 11-03 11:00
  const late = ticket('b', ['2026-12-05 12:00', created('N2', '建设路12号停水', '13900000001', '建设路12号')], ['2026-12-05 12:00', dispatched('供水公司')]);
  t.equal(detectFlags([first, late], { period, assigned: none }).length, 0, 'after 30 days');
});

t.test('copied replies: three tickets, not two; one ticket replying twice is no copy', async (t) => {
  const reply = '经现场核查，维修人员已对破损管道进行了更换，供水已恢复正常，感谢您的支持。';
  const tk = (id: string, r = reply) => ticket(id, ['2026-11-02 10:00', created(id, `内容${id}`)], ['2026-11-02 10:00', dispatched('供水公司')], ['2026-11-03 10:00', replied(r), 'unit']);
  t.equal(detectFlags([tk('a'), tk('b')], { period, assigned: none }).length, 0);
  const three = detectFlags([tk('a'), tk('b'), tk('c', reply.replace('破损', '老化'))], { period, assigned: none });
  t.equal(three.length, 1);
  t.ok(three[0]!.similarity! >= 0.9 && three[0]!.similarity! < 1);
  const twice = ticket('d', ['2026-11-02 10:00', created('d', '内容d')], ['2026-11-02 10:00', dispatched('供水公司')], ['2026-11-03 10:00', replied(reply), 'unit'], ['2026-11-04 10:00', { type: 'reopened', reason: '没修好', toOperator: false }], ['2026-11-05 10:00', replied(reply), 'unit']);
  t.equal(detectFlags([tk('a'), twice], { period, assigned: none }).length, 0, 'two tickets only, however many replies');
  t.equal(detectFlags([tk('a', '已处理'), tk('b', '已处理'), tk('c', '已处理')], { period, assigned: none }).length, 0, 'boilerplate');
});
