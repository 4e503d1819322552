import t from 'tap';
import { parse } from 'csv-parse/sync';
import { toCsv, type Column } from '../../src/application/supervision/rates-report.js';
import { rosterFromCsv, rosterToCsv, validateRoster } from '../../src/domain/duty/index.js';
import { toCsvText } from '../../src/domain/csv.js';

/** Issue 19, item 10: one formula-safe CSV writer for every export. */

const NASTY = ['=1+2', '+1', '-1+cmd', '@SUM(A1)', '\t=1+2', '\r=1+2', '=HYPERLINK("http://x","点我")'];
const cells = (csv: string) => parse(csv.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];

t.test('the writer: every formula start defused, quoting and CRLF by csv-stringify', async (t) => {
  const out = cells(toCsvText([['名称'], ...NASTY.map((s) => [s])]));
  for (const [i, s] of NASTY.entries()) t.equal(out[i + 1]![0], `'${s}`, JSON.stringify(s));
  t.equal(toCsvText([['a,b', 'say "hi"', -3]]), '"a,b","say ""hi""",-3\r\n', 'numbers stay numbers');
});

t.test('the rates export defuses a leading tab or CR too', async (t) => {
  const columns: Column<{ name: string; n: number }>[] = [
    { header: '单位', kind: 'text', value: (r) => r.name },
    { header: '受理量', kind: 'int', value: (r) => r.n },
  ];
  const out = cells(toCsv(columns, NASTY.map((name, n) => ({ name, n: -n }))));
  for (const [i, s] of NASTY.entries()) {
    t.equal(out[i + 1]![0], `'${s}`, JSON.stringify(s));
    t.equal(out[i + 1]![1], String(-i), 'a number is not text');
  }
});

t.test('the roster export neutralises names and numbers, and its import reads them back', async (t) => {
  const input = { members: [{ id: 'a', name: '=HYPERLINK("http://x","值班")', phone: '+8613800000001' }, { id: 'b', name: '@李娜', phone: '13800000002' }], rotation: { period: 'daily' as const, handoff: '08:30', start: '2026-11-23', order: ['a', 'b'], holidays: 'pass' as const }, leave: [], overrides: [] };
  const r = validateRoster('市城管局', input, 1, new Date('2026-11-20T00:00:00Z'));
  const csv = rosterToCsv(r);
  const rows = cells(csv);
  const member = rows.find((x) => x[1] === 'a')!;
  t.equal(member[3], `'=HYPERLINK("http://x","值班")`, 'a formula name is inert');
  t.equal(member[4], `'+8613800000001`, 'a + number is inert');
  t.equal(rows.find((x) => x[1] === 'b')![3], `'@李娜`);
  const back = rosterFromCsv(csv);
  t.same(back.members.map((m) => [m.name, m.phone]), [['=HYPERLINK("http://x","值班")', '+8613800000001'], ['@李娜', '13800000002']], 'the round trip keeps the values');
});
