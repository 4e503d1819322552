import t from 'tap';
import { WorkCalendar } from '../../../src/domain/sla/calendar.js';
import { dutyTimeline, dutyWarnings, handoffsBetween, validateRoster, whoIsOnDuty, type RosterInput } from '../../../src/domain/duty/index.js';

const cal = new WorkCalendar();
const isWorkday = (d: string) => cal.isWorkday(d);
const at = (s: string) => new Date(s);
const T0 = at('2026-11-01T00:00:00Z');

const members = [
  { id: 'a', name: '张伟', phone: '13800000001' },
  { id: 'b', name: '李娜', phone: '13800000002' },
  { id: 'c', name: '王强', phone: '13800000003' },
];
const roster = (over: Partial<RosterInput> = {}) =>
  validateRoster('市城管局', { members, rotation: { period: 'daily', handoff: '08:30', start: '2026-11-23', order: ['a', 'b', 'c'], holidays: 'pass' }, leave: [], overrides: [], ...over }, 1, T0);
const who = (r: ReturnType<typeof roster>, iso: string) => whoIsOnDuty(r, at(iso), isWorkday)?.member.id ?? null;

t.test('daily rotation hands over at 08:30 Shanghai time', async (t) => {
  const r = roster();
  t.equal(who(r, '2026-11-23T00:29:59+08:00'), null, 'before the first handoff nobody is on the rotation');
  t.equal(who(r, '2026-11-23T08:29:59+08:00'), null);
  t.equal(who(r, '2026-11-23T08:30:00+08:00'), 'a', 'order[0] takes over at 08:30 local');
  t.equal(who(r, '2026-11-24T08:29:59+08:00'), 'a', 'still a overnight');
  t.equal(who(r, '2026-11-24T08:30:00+08:00'), 'b');
  t.equal(who(r, '2026-11-25T08:30:00+08:00'), 'c');
  t.equal(who(r, '2026-11-26T08:30:00+08:00'), 'a', 'wraps around');
  t.equal(who(r, '2027-11-26T08:30:00+08:00'), ['a', 'b', 'c'][368 % 3], 'a year later by arithmetic');
});

t.test('daily rotation with a midnight handoff', async (t) => {
  const r = roster({ rotation: { period: 'daily', handoff: '00:00', start: '2026-11-23', order: ['a', 'b'], holidays: 'pass' } });
  t.equal(who(r, '2026-11-23T23:59:59+08:00'), 'a');
  t.equal(who(r, '2026-11-24T00:00:00+08:00'), 'b', 'midnight local = 16:00Z the day before');
  t.equal(who(r, '2026-11-23T16:00:00Z'), 'b');
  t.equal(who(r, '2026-11-23T15:59:59Z'), 'a');
});

t.test('weekly rotation', async (t) => {
  const r = roster({ rotation: { period: 'weekly', handoff: '09:00', start: '2026-11-23', order: ['a', 'b', 'c'], holidays: 'pass' } });
  t.equal(who(r, '2026-11-29T23:00:00+08:00'), 'a');
  t.equal(who(r, '2026-11-30T08:59:00+08:00'), 'a');
  t.equal(who(r, '2026-11-30T09:00:00+08:00'), 'b');
  t.equal(who(r, '2026-12-07T09:00:00+08:00'), 'c');
});

t.test('holidays: pass hands over as usual, hold keeps the turn until the next working day', async (t) => {
  // 2026 National Day: 10-01..10-07 are holidays (chinese-days), 09-30 (Wed) and 10-08 (Thu) are workdays.
  t.equal(isWorkday('2026-10-01'), false);
  t.equal(isWorkday('2026-10-08'), true);
  const rot = { period: 'daily' as const, handoff: '08:30', start: '2026-09-30', order: ['a', 'b', 'c'] };
  const pass = roster({ rotation: { ...rot, holidays: 'pass' } });
  const hold = roster({ rotation: { ...rot, holidays: 'hold' } });
  t.equal(who(pass, '2026-10-01T12:00:00+08:00'), 'b');
  t.equal(who(pass, '2026-10-05T12:00:00+08:00'), ['a', 'b', 'c'][5 % 3]);
  t.equal(who(hold, '2026-10-01T12:00:00+08:00'), 'a', 'a holds over the holiday');
  t.equal(who(hold, '2026-10-07T23:00:00+08:00'), 'a');
  t.equal(who(hold, '2026-10-08T08:29:00+08:00'), 'a');
  t.equal(who(hold, '2026-10-08T08:30:00+08:00'), 'b', 'next turn on the first working day');
  t.equal(who(hold, '2026-10-09T08:30:00+08:00'), 'c');
  t.same(
    handoffsBetween(hold.rotation!, at('2026-09-30T00:00:00Z'), at('2026-10-10T00:00:00Z'), isWorkday).map((d) => d.toISOString()),
    ['2026-09-30T00:30:00.000Z', '2026-10-08T00:30:00.000Z', '2026-10-09T00:30:00.000Z'],
  );
  // 2026-10-10 is a Saturday 调休 working day: hold hands over then too.
  t.equal(isWorkday('2026-10-10'), true);
  t.equal(who(hold, '2026-10-10T09:00:00+08:00'), 'a');
});

t.test('weekly hold: a handoff due on a holiday waits for the next working day', async (t) => {
  // Thursday 2026-09-24 + 7 = 10-01 (holiday) → handed over on 10-08.
  const r = roster({ rotation: { period: 'weekly', handoff: '08:30', start: '2026-09-24', order: ['a', 'b', 'c'], holidays: 'hold' } });
  t.equal(who(r, '2026-10-01T09:00:00+08:00'), 'a');
  t.equal(who(r, '2026-10-08T09:00:00+08:00'), 'b');
  t.equal(who(r, '2026-10-15T09:00:00+08:00'), 'c');
});

t.test('leave: the next in turn stands in; an override beats leave and rotation', async (t) => {
  const r = roster({
    leave: [{ id: 'l1', memberId: 'a', start: '2026-11-23T00:00:00Z', end: '2026-11-24T00:00:00Z', reason: '病假' }],
    overrides: [
      { id: 'o1', person: 'c', start: '2026-11-23T10:00:00Z', end: '2026-11-23T12:00:00Z', reason: '临时调班' },
      { id: 'o2', person: 'a', start: '2026-11-23T12:00:00Z', end: '2026-11-23T13:00:00Z', reason: '本人要求值班' },
    ],
  });
  const d = whoIsOnDuty(r, at('2026-11-23T09:00:00+08:00'), isWorkday)!;
  t.match(d, { member: { id: 'b' }, source: 'substitute', replaces: { id: 'a' } });
  t.match(whoIsOnDuty(r, at('2026-11-23T10:30:00Z'), isWorkday), { member: { id: 'c' }, source: 'override', reason: '临时调班', replaces: { id: 'a' } });
  t.match(whoIsOnDuty(r, at('2026-11-23T12:30:00Z'), isWorkday), { member: { id: 'a' }, source: 'override' }, 'override > leave');
  t.equal(who(r, '2026-11-23T13:00:00Z'), 'b', 'back to the substitute when the override ends');
});

t.test('everybody on leave is a gap; a member without a phone is a warning', async (t) => {
  const r = validateRoster(
    'X',
    {
      members: [...members.slice(0, 2), { id: 'c', name: '王强', phone: null }],
      rotation: { period: 'daily', handoff: '08:30', start: '2026-11-23', order: ['a', 'b', 'c'], holidays: 'pass' },
      leave: [
        { id: 'l1', memberId: 'a', start: '2026-11-23T00:00:00Z', end: '2026-11-23T06:00:00Z' },
        { id: 'l2', memberId: 'b', start: '2026-11-23T00:00:00Z', end: '2026-11-23T06:00:00Z' },
        { id: 'l3', memberId: 'c', start: '2026-11-23T00:00:00Z', end: '2026-11-23T06:00:00Z' },
      ],
      overrides: [],
    },
    1,
    T0,
  );
  const w = dutyWarnings(r, at('2026-11-22T00:00:00Z'), at('2026-11-26T00:00:00Z'), isWorkday);
  t.match(w, [
    { kind: 'no_phone', memberId: 'c' },
    { kind: 'gap', start: at('2026-11-22T00:00:00Z'), end: at('2026-11-23T06:00:00Z') },
    { kind: 'unreachable', memberId: 'c', start: at('2026-11-25T00:30:00Z'), end: at('2026-11-26T00:00:00Z') },
  ]);
  const tl = dutyTimeline(r, at('2026-11-23T06:00:00Z'), at('2026-11-24T06:00:00Z'), isWorkday);
  t.same(
    tl.map((s) => [s.start.toISOString(), s.duty?.member.id]),
    [
      ['2026-11-23T06:00:00.000Z', 'a'],
      ['2026-11-24T00:30:00.000Z', 'b'],
    ],
  );
});

t.test('validation rejects what would break paging', async (t) => {
  t.throws(() => roster({ rotation: { period: 'daily', handoff: '24:00', start: '2026-11-23', order: ['a'], holidays: 'pass' } }), { code: 'bad_handoff' });
  t.throws(() => roster({ rotation: { period: 'daily', handoff: '08:30', start: '2026-11-23', order: ['zz'], holidays: 'pass' } }), { code: 'unknown_member' });
  t.throws(() => roster({ overrides: [{ id: 'x', person: 'a', start: '2026-11-23T10:00:00Z', end: '2026-11-23T09:00:00Z', reason: 'r' }] }), { code: 'bad_period' });
  t.throws(() => roster({ overrides: [{ id: 'x', person: 'a', start: '2026-11-23T08:00:00Z', end: '2026-11-23T09:00:00Z', reason: ' ' }] }), { code: 'reason_required' });
  t.throws(() => validateRoster('X', { members: [{ id: 'a', name: 'A', phone: '12ab' }], rotation: null, leave: [], overrides: [] }, 1, T0), { code: 'bad_phone' });
  t.throws(() => validateRoster('X', { members: [...members, members[0]], rotation: null, leave: [], overrides: [] }, 1, T0), { code: 'duplicate_member' });
});
