import t from 'tap';
import fc from 'fast-check';
import { shanghaiInstant } from '../../../src/domain/clock.js';
import { AppError } from '../../../src/domain/errors.js';
import { WorkCalendar, parseCalendarOverrides, type OfficialHolidays } from '../../../src/domain/sla/index.js';
import { chineseDaysHolidays } from '../../../src/domain/sla/official-holidays.js';

/** 'YYYY-MM-DD HH:MM' in Shanghai → Date. */
const sh = (s: string): Date => {
  const [d, hm] = s.split(' ');
  const [h, m] = hm.split(':').map(Number);
  return shanghaiInstant(d, h * 60 + m);
};
const cal = new WorkCalendar();

t.test('chinese-days carries the 2025 National Day schedule we assert on', async (t) => {
  // Checked against the package before writing the tests: 10-01..10-08 off (国庆 + 中秋),
  // 调休 workdays Sun 09-28 and Sat 10-11.
  for (const d of ['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-06', '2025-10-08']) t.equal(cal.isWorkday(d), false, `${d} off`);
  t.equal(cal.isWorkday('2025-09-28'), true, 'Sun 09-28 is a 调休 workday');
  t.equal(cal.isWorkday('2025-10-11'), true, 'Sat 10-11 is a 调休 workday');
  t.equal(cal.isWorkday('2025-10-09'), true, 'Thu 10-09 back to work');
  t.equal(cal.isWorkday('2025-10-12'), false, 'Sun 10-12 plain weekend');
  t.equal(cal.isWorkday('2025-09-27'), false, 'Sat 09-27 plain weekend');
  t.equal(chineseDaysHolidays.hasYear(2025), true);
  t.equal(chineseDaysHolidays.hasYear(2026), true);
  t.equal(chineseDaysHolidays.hasYear(2027), false, 'chinese-days 1.5.x has no 2027 data');
});

t.test('isWorkday rejects malformed dates', async (t) => {
  t.throws(() => cal.isWorkday('2025-2-3'), { code: 'bad_date' });
  t.throws(() => cal.isWorkday('2025-02-30'), { code: 'bad_date' });
});

t.test('Friday evening ticket: 2 working hours run from Monday 08:30', async (t) => {
  const from = sh('2025-11-28 19:00'); // Friday
  t.same(cal.addWorkingMinutes(from, 120), sh('2025-12-01 10:30'));
  t.same(cal.nextWorkingMoment(from), sh('2025-12-01 08:30'));
  // 3 working days: Mon 1, Tue 2, Wed 3 → Wed close of business.
  t.same(cal.addWorkingDays(from, 3), sh('2025-12-03 17:30'));
});

t.test('lunch break does not count', async (t) => {
  t.same(cal.addWorkingMinutes(sh('2025-12-01 11:00'), 120), sh('2025-12-01 15:30'), '60 before noon + 60 after 14:30');
  t.same(cal.addWorkingMinutes(sh('2025-12-01 10:00'), 120), sh('2025-12-01 12:00'), 'ends exactly at noon, not 14:30');
  t.same(cal.addWorkingMinutes(sh('2025-12-01 12:45'), 30), sh('2025-12-01 15:00'), 'started in the break');
  t.equal(cal.isWorkingTime(sh('2025-12-01 12:30')), false);
  t.equal(cal.isWorkingTime(sh('2025-12-01 12:00')), false, 'periods are [start, end)');
  t.equal(cal.isWorkingTime(sh('2025-12-01 11:59')), true);
  t.equal(cal.isWorkingTime(sh('2025-12-01 08:30')), true);
  t.equal(cal.isWorkingTime(sh('2025-12-01 17:30')), false);
  t.same(cal.nextWorkingMoment(sh('2025-12-01 12:30')), sh('2025-12-01 14:30'));
  t.same(cal.nextWorkingMoment(sh('2025-12-01 09:15')), sh('2025-12-01 09:15'), 'inside office hours: unchanged');
  t.equal(cal.workingMinutesBetween(sh('2025-12-01 11:00'), sh('2025-12-01 15:30')), 120);
});

t.test('National Day: clocks stop for the holiday and run on the 调休 days', async (t) => {
  // Tue 09-30 16:00: 90 minutes left that day, 30 more on Thu 10-09.
  t.same(cal.addWorkingMinutes(sh('2025-09-30 16:00'), 120), sh('2025-10-09 09:00'));
  // 10 working days after 09-30: 10-09, 10-10, 10-11 (Sat 调休), 10-13..17, 10-20, 10-21.
  t.same(cal.addWorkingDays(sh('2025-09-30 16:00'), 10), sh('2025-10-21 17:30'));
  // Fri 09-26 17:00: 30 min Friday, Sat off, 90 min on the 调休 Sunday 09-28.
  t.same(cal.addWorkingMinutes(sh('2025-09-26 17:00'), 120), sh('2025-09-28 10:00'));
  t.same(cal.addWorkingDays(sh('2025-09-26 17:00'), 3), sh('2025-09-30 17:30'), 'Sun 09-28, Mon 09-29, Tue 09-30');
  t.same(cal.nextWorkingMoment(sh('2025-10-01 10:00')), sh('2025-10-09 08:30'));
  t.equal(cal.isWorkingTime(sh('2025-10-03 10:00')), false);
});

t.test('a 调休 Saturday is a working day', async (t) => {
  t.equal(cal.isWorkingTime(sh('2025-10-11 09:00')), true);
  t.same(cal.addWorkingMinutes(sh('2025-10-10 16:30'), 120), sh('2025-10-11 09:30'), 'Friday 60 min, Saturday 60 min');
  t.same(cal.addWorkingDays(sh('2025-10-10 10:00'), 1), sh('2025-10-11 17:30'));
});

t.test('addWorkingDays convention: the dispatch day never counts', async (t) => {
  t.same(cal.addWorkingDays(sh('2025-12-01 09:00'), 3), sh('2025-12-04 17:30'), 'Mon morning → Thu');
  t.same(cal.addWorkingDays(sh('2025-12-01 19:00'), 3), sh('2025-12-04 17:30'), 'Mon evening → Thu as well');
  t.same(cal.addWorkingDays(sh('2025-12-06 10:00'), 1), sh('2025-12-08 17:30'), 'Saturday → Monday');
  t.same(cal.addWorkingDays(sh('2025-12-01 09:00'), 0), sh('2025-12-01 17:30'), '0 days: today if still open');
  t.same(cal.addWorkingDays(sh('2025-12-01 18:00'), 0), sh('2025-12-02 17:30'), '0 days after hours: next working day');
  t.throws(() => cal.addWorkingDays(sh('2025-12-01 09:00'), 1.5), { code: 'bad_days' });
  t.throws(() => cal.addWorkingMinutes(sh('2025-12-01 09:00'), -1), { code: 'bad_minutes' });
  t.same(cal.addWorkingMinutes(sh('2025-12-06 10:00'), 0), sh('2025-12-06 10:00'), '0 minutes: unchanged');
});

t.test('workingDaysBetween counts working days after a’s day up to b’s day', async (t) => {
  const deadline = sh('2025-12-03 17:30'); // Wed
  t.equal(cal.workingDaysBetween(deadline, sh('2025-12-03 20:00')), 0, 'same evening: late but 0 days');
  t.equal(cal.workingDaysBetween(deadline, sh('2025-12-04 09:00')), 1);
  t.equal(cal.workingDaysBetween(deadline, sh('2025-12-08 09:00')), 3, 'Thu, Fri, Mon');
  t.equal(cal.workingDaysBetween(sh('2025-12-08 09:00'), deadline), -3, 'reversed is negative');
  t.equal(cal.workingDaysBetween(sh('2025-09-30 17:30'), sh('2025-10-09 10:00')), 1, 'the holiday does not count');
});

t.test('custom working hours', async (t) => {
  const summer = new WorkCalendar({ workingHours: [{ start: '09:00', end: '12:00' }, { start: '13:30', end: '18:00' }] });
  t.same(summer.addWorkingMinutes(sh('2025-12-01 11:00'), 120), sh('2025-12-01 14:30'));
  t.same(summer.addWorkingDays(sh('2025-12-01 11:00'), 1), sh('2025-12-02 18:00'));
  t.throws(() => new WorkCalendar({ workingHours: [{ start: '14:00', end: '12:00' }] }), { code: 'bad_working_hours' });
  t.throws(() => new WorkCalendar({ workingHours: [{ start: '8:30', end: '12:00' }] }), { code: 'bad_time_of_day' });
  t.throws(
    () => new WorkCalendar({ workingHours: [{ start: '08:30', end: '12:00' }, { start: '11:00', end: '17:00' }] }),
    { code: 'bad_working_hours' },
  );
});

t.test('local file: a 2027 holiday and 2027 marked covered', async (t) => {
  const overrides = parseCalendarOverrides(
    { holidays: ['2027-10-01..2027-10-07', { date: '2027-01-01', name: '元旦' }], workdays: ['2027-09-26'], years: [2027] },
    'calendar-local.yaml',
  );
  const local = new WorkCalendar({ overrides });
  t.equal(cal.isWorkday('2027-10-04'), true, 'without the file: a plain Monday');
  t.equal(local.isWorkday('2027-10-04'), false, 'with the file: holiday');
  t.equal(local.isWorkday('2027-09-26'), true, 'Sunday 调休 workday from the file');
  t.equal(local.isWorkday('2027-10-09'), false, 'unlisted Saturday: weekend');
  t.same(local.addWorkingMinutes(sh('2027-09-30 17:00'), 60), sh('2027-10-08 09:00'), 'Thu 30 min, then Fri 10-08');
  const cov = local.coverage(sh('2026-12-15 10:00'));
  t.same(cov, { covered: true, uncovered: [], message: cov.message });
  t.match(cov.message, /已覆盖/);
  t.same(local.coverage(sh('2027-11-15 10:00')).uncovered, ['2028'], 'the next year is again uncovered');
});

t.test('local entries win over chinese-days; a declared year ignores chinese-days entirely', async (t) => {
  const fake: OfficialHolidays = {
    entry: (d) => (d === '2030-05-02' ? false : d === '2030-05-05' ? true : null),
    hasYear: (y) => y === 2030,
  };
  const plain = new WorkCalendar({ official: fake });
  t.equal(plain.isWorkday('2030-05-02'), false, 'official holiday');
  t.equal(plain.isWorkday('2030-05-05'), true, 'official 调休 Sunday');
  const corrected = new WorkCalendar({ official: fake, overrides: parseCalendarOverrides({ workdays: ['2030-05-02'] }) });
  t.equal(corrected.isWorkday('2030-05-02'), true, 'local workday wins');
  t.equal(corrected.isWorkday('2030-05-05'), true, 'other official entries still apply');
  const declared = new WorkCalendar({ official: fake, overrides: parseCalendarOverrides({ holidays: ['2030-05-01'], years: [2030] }) });
  t.equal(declared.isWorkday('2030-05-05'), false, 'official entry ignored for a year the file covers (Sunday)');
  t.equal(declared.isWorkday('2030-05-02'), true, 'unlisted Thursday works');
});

t.test('coverage warns for 2027 without a local file', async (t) => {
  const cov = cal.coverage(sh('2026-11-20 09:00'));
  t.equal(cov.covered, false);
  t.same(cov.uncovered, ['2027']);
  t.match(cov.message, /2027/);
  t.match(cov.message, /本地节假日文件/);
  t.match(cov.message, /local holiday file/);
  t.equal(cal.coverage(sh('2026-03-01 09:00')).covered, true, 'within 2026');
  t.equal(cal.coverage(sh('2026-11-01 09:00')).covered, true, '60 days end 12-30');
  t.equal(cal.coverage(sh('2026-11-01 09:00'), 62).covered, false, '62 days reach 2027-01-01');
});

t.test('invalid local file: the error names the entry', async (t) => {
  const bad = (doc: unknown) => {
    try {
      parseCalendarOverrides(doc, 'config/calendar-local.yaml');
    } catch (e) {
      t.ok(e instanceof AppError);
      t.equal((e as AppError).code, 'calendar_overrides_invalid');
      return (e as AppError).message;
    }
    t.fail('expected an error');
    return '';
  };
  let m = bad({ holidays: ['2027-01-01', '2027-02-30'] });
  t.match(m, 'config/calendar-local.yaml');
  t.match(m, 'holidays[1]');
  t.match(m, '"2027-02-30"');
  t.match(bad({ holidays: ['2027-1-1'] }), 'holidays[0]');
  t.match(bad({ holidays: ['2027-10-07..2027-10-01'] }), /结束日期早于开始日期/);
  t.match(bad({ holidays: ['2027-01-01..2027-12-31'] }), /31/);
  m = bad({ holidays: ['2027-10-01..2027-10-07'], workdays: ['2027-10-03'] });
  t.match(m, 'workdays[0]');
  t.match(m, 'holidays[0]');
  t.match(bad({ holiday: ['2027-01-01'] }), /holiday .*未知的键/);
  t.match(bad({ holidays: '2027-01-01' }), /holidays .*应为列表/);
  t.match(bad({ holidays: ['2027-01-01'], years: ['27'] }), 'years[0]');
  t.match(bad({ holidays: ['2027-01-01'], years: [2028] }), /2028/);
  t.match(bad({ holidays: [{ from: '2027-01-01' }] }), 'holidays[0]');
});

t.test('addWorkingMinutes and workingMinutesBetween agree (property)', async (t) => {
  const start = Date.parse('2025-09-20T00:00:00Z');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 60 * 24 * 40 }), fc.integer({ min: 1, max: 60 * 40 }), (offsetMin, minutes) => {
      const from = new Date(start + offsetMin * 60_000);
      const end = cal.addWorkingMinutes(from, minutes);
      return cal.workingMinutesBetween(from, end) === minutes && cal.isWorkingTime(new Date(end.getTime() - 1));
    }),
    { numRuns: 200, seed: 12345 },
  );
  t.pass('property held');
});

t.test('the example local file parses; YAML text errors are clear', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { parseCalendarOverridesYaml } = await import('../../../src/domain/sla/index.js');
  const path = new URL('../../../config/calendar-local.example.yaml', import.meta.url);
  const o = parseCalendarOverridesYaml(readFileSync(path, 'utf8'), 'config/calendar-local.example.yaml');
  t.same(o.holidays, ['2027-01-01']);
  t.same(o.years, [], 'the example does not claim a year it does not fully list');
  t.equal(new WorkCalendar({ overrides: o }).isWorkday('2027-01-01'), false);
  const y = parseCalendarOverridesYaml('holidays:\n  - 2027-10-01..2027-10-03\n  - {from: 2027-02-06, to: 2027-02-08, name: 春节}\nworkdays: [2027-02-20]\nyears: [2027]\n', 'x.yaml');
  t.same(y.holidays, ['2027-02-06', '2027-02-07', '2027-02-08', '2027-10-01', '2027-10-02', '2027-10-03']);
  t.same(y.workdays, ['2027-02-20']);
  t.equal(y.names['2027-02-07'], '春节');
  t.throws(() => parseCalendarOverridesYaml('holidays: [2027-01-01\n', 'bad.yaml'), { code: 'calendar_overrides_invalid', message: /bad\.yaml/ });
});
