import t from 'tap';
import { shanghaiInstant } from '../../../src/domain/clock.js';
import { WorkCalendar, isWithinCallingWindow, nextAllowedCallTime } from '../../../src/domain/sla/index.js';

const sh = (s: string): Date => {
  const [d, hm] = s.split(' ');
  const [h, m] = hm.split(':').map(Number);
  return shanghaiInstant(d, h * 60 + m);
};

t.test('follow-up calls only between 08:30 and 21:00 Shanghai time', async (t) => {
  t.same(nextAllowedCallTime(sh('2025-12-01 07:00')), sh('2025-12-01 08:30'));
  t.same(nextAllowedCallTime(sh('2025-12-01 12:15')), sh('2025-12-01 12:15'));
  t.same(nextAllowedCallTime(sh('2025-12-01 20:59')), sh('2025-12-01 20:59'));
  t.same(nextAllowedCallTime(sh('2025-12-01 21:00')), sh('2025-12-02 08:30'), 'end is exclusive');
  t.same(nextAllowedCallTime(sh('2025-12-31 23:30')), sh('2026-01-01 08:30'), 'holidays allowed by default');
  t.equal(isWithinCallingWindow(sh('2025-12-01 06:00')), false);
  t.equal(isWithinCallingWindow(sh('2025-12-01 09:00')), true);
});

t.test('custom window and working-days-only option', async (t) => {
  t.same(nextAllowedCallTime(sh('2025-12-01 19:00'), { start: '09:00', end: '18:00' }), sh('2025-12-02 09:00'));
  const cal = new WorkCalendar();
  const opts = { allowDay: (d: string) => cal.isWorkday(d) };
  t.same(nextAllowedCallTime(sh('2025-12-06 10:00'), undefined, opts), sh('2025-12-08 08:30'), 'Saturday → Monday');
  t.same(nextAllowedCallTime(sh('2025-09-30 22:00'), undefined, opts), sh('2025-10-09 08:30'), 'over National Day');
  t.throws(() => nextAllowedCallTime(sh('2025-12-01 10:00'), { start: '21:00', end: '08:30' }), { code: 'bad_calling_window' });
});
