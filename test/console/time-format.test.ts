/**
 * The one date format (issue 20, item 6), without a browser: the relative text <Time> shows and the
 * absolute Beijing time with seconds it puts in `title`.
 */
import t from 'tap';
import { ago, fullDateTime } from '../../console/src/format.js';

// 2026-12-07 14:05:33 in Beijing
const now = Date.parse('2026-12-07T06:05:33Z');
const at = (beijing: string) => new Date(`${beijing}+08:00`).toISOString();

t.equal(fullDateTime(at('2026-12-07T14:05:33')), '2026-12-07 14:05:33', 'absolute with seconds, Beijing time');
t.equal(fullDateTime(null), '—');
t.equal(fullDateTime('not a date'), '—');

t.equal(ago(at('2026-12-07T14:05:10'), now), '刚刚');
t.equal(ago(at('2026-12-07T14:02:33'), now), '3 分钟前');
t.equal(ago(at('2026-12-07T11:05:33'), now), '3 小时前');
t.equal(ago(at('2026-12-06T14:05:00'), now), '昨天 14:05');
t.equal(ago(at('2026-12-04T09:00:00'), now), '3 天前');
t.equal(ago(at('2026-10-01T09:00:00'), now), '2026-10-01 09:00', 'beyond 30 days: the date');

t.equal(ago(at('2026-12-07T14:06:00'), now), '马上');
t.equal(ago(at('2026-12-07T14:25:33'), now), '20 分钟后');
t.equal(ago(at('2026-12-07T18:05:33'), now), '4 小时后');
t.equal(ago(at('2026-12-08T09:00:00'), now), '明天 09:00');
t.equal(ago(at('2026-12-12T09:00:00'), now), '5 天后');
t.equal(ago(at('2027-02-01T09:00:00'), now), '2027-02-01 09:00', 'beyond 30 days ahead: the date');
