import t from 'tap';
import { pageSmsText, parseAckReply, pickAckCode, rosterFromCsv, rosterFromYaml, rosterIcal, rosterToCsv, rosterToYaml, dutyTimeline, validateRoster } from '../../../src/domain/duty/index.js';

t.test('acknowledgement replies', async (t) => {
  for (const s of ['1234', ' ack 1234 ', '确认1234', '确认 1234', 'ACK:1234', '１２３４', '1234确认']) t.same(parseAckReply(s), { kind: 'code', code: '1234' }, s);
  for (const s of ['确认', '收到', 'ack', ' OK ', '1', '确认接单']) t.same(parseAckReply(s), { kind: 'bare' }, s);
  for (const s of ['我在开会', '', '确认一下是哪里', 'ack me']) t.same(parseAckReply(s), { kind: 'other' }, s);
  t.equal(pageSmsText('路面塌陷', '4821'), '【12345即办】路面塌陷 回复 4821 确认接单');
});

t.test('codes avoid the ones the recipient already has', async (t) => {
  let i = 0;
  const seq = [0.0, 0.0, 0.5];
  const code = pickAckCode(new Set(['1000']), () => seq[i++ % seq.length]);
  t.equal(code, '5500');
  const all = new Set(Array.from({ length: 8999 }, (_, n) => String(1000 + n)));
  all.delete('9998');
  t.equal(pickAckCode(all, () => 0), '9998', 'falls back to a walk');
});

const r = validateRoster(
  '市城管局',
  {
    members: [
      { id: 'a', name: '张伟', phone: '13800000001', wechat: 'wx_a' },
      { id: 'b', name: '李娜, "小李"', phone: '13800000002' },
    ],
    rotation: { period: 'daily', handoff: '08:30', start: '2026-11-23', order: ['a', 'b'], holidays: 'hold' },
    leave: [{ id: 'l1', memberId: 'a', start: '2026-11-24T00:00:00Z', end: '2026-11-25T00:00:00Z', reason: '病假' }],
    overrides: [{ id: 'o1', person: 'b', start: '2026-11-26T00:00:00Z', end: '2026-11-26T04:00:00Z', reason: '换班;调休' }],
  },
  3,
  new Date('2026-11-20T00:00:00Z'),
);

t.test('YAML and CSV round-trip', async (t) => {
  const y = validateRoster('市城管局', rosterFromYaml(rosterToYaml(r)), 3, new Date('2026-11-20T00:00:00Z'));
  t.same(y, r);
  const csv = rosterToCsv(r);
  t.match(csv, /^kind,id,member,name,phone/);
  t.match(csv, /"李娜, ""小李"""/);
  const c = validateRoster('市城管局', rosterFromCsv(csv), 3, new Date('2026-11-20T00:00:00Z'));
  t.same(c, r);
  t.throws(() => rosterFromCsv('kind,id\nboss,1\n'), { code: 'bad_csv' });
  t.throws(() => rosterFromYaml('members: [unclosed'), { code: 'bad_yaml' });
});

t.test('iCal export', async (t) => {
  const segs = dutyTimeline(r, new Date('2026-11-23T00:00:00Z'), new Date('2026-11-27T00:00:00Z'), () => true);
  const ics = rosterIcal('市城管局', segs, new Date('2026-11-20T00:00:00Z'));
  t.match(ics, /^BEGIN:VCALENDAR\r\n/);
  t.match(ics, /END:VCALENDAR\r\n$/);
  t.equal(ics.split('BEGIN:VEVENT').length - 1, segs.filter((s) => s.duty).length);
  t.match(ics, 'DTSTART:20261123T003000Z');
  t.match(ics, /SUMMARY:值班：张伟（市城管局）/);
  t.match(ics, /换班\\;调休/);
  t.ok(ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75), 'lines folded at 75 octets');
});
