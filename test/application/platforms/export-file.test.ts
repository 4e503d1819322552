import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseExport } from '../../../src/application/platforms/export-file.js';
import { AppError } from '../../../src/domain/errors.js';

const fx = (f: string) => readFileSync(`test/fixtures/platforms/${f}`);

t.test('GBK CSV (12333 export): every cell kept as text', async (t) => {
  const rows = await parseExport(fx('hotline-12333.csv'), 'csv', { encoding: 'gbk' });
  t.equal(rows.length, 3);
  t.equal(rows[0]!['工单编号'], '12333-20261125-0007');
  t.match(String(rows[0]!['诉求内容']), /灵活就业人员养老保险/);
  t.equal(rows[0]!['来电号码'], '13607970007', 'not turned into a number');
  t.equal(rows[2]!['地址'], undefined, 'an empty cell is absent');
});

t.test('UTF-8 CSV with quoted commas', async (t) => {
  const rows = await parseExport(fx('govcn-message.csv'), 'csv');
  t.equal(rows.length, 4);
  t.match(String(rows[0]!['留言内容']), /^沙洲坝镇通往红井景区的路上有好几个大坑，下雨天积水/);
  t.equal(rows[2]!['留言内容'], undefined);
});

t.test('XLSX: the named sheet, blank rows skipped, dates as dates', async (t) => {
  const rows = await parseExport(fx('jx-gov-interact.xlsx'), 'xlsx', { sheet: '互动事项' });
  t.equal(rows.length, 2);
  t.equal(rows[0]!['事项编号'], 2026112600012);
  t.ok(rows[0]!['提交时间'] instanceof Date);
  await t.rejects(parseExport(fx('jx-gov-interact.xlsx'), 'xlsx', { sheet: '没有' }), AppError);
  await t.rejects(parseExport(Buffer.from('PK not really a zip'), 'xlsx'), { code: 'bad_export' });
});

t.test('JSON export: an envelope with one array, or a bare array', async (t) => {
  t.equal((await parseExport(fx('gov-inspection.json'), 'json')).length, 2);
  t.same(await parseExport(Buffer.from('[{"a":1}]'), 'json'), [{ a: 1 }]);
  await t.rejects(parseExport(Buffer.from('{"total":0}'), 'json'), { code: 'bad_export' });
  await t.rejects(parseExport(Buffer.from('{oops'), 'json'), { code: 'bad_export' });
});
