import t from 'tap';
import { parseCsvText, toCsvText, undefuse } from '../../src/domain/csv.js';
import { AppError } from '../../src/domain/errors.js';
import { parseCsv as rosterCsv } from '../../src/domain/duty/roster-io.js';
import { parseExport } from '../../src/application/platforms/export-file.js';

t.test('the one CSV reader: RFC 4180 and what spreadsheets write', async (t) => {
  t.same(parseCsvText('\uFEFF诉求,地点\r\n"路灯坏了,很黑","红都大道""1""号"\r\n'), [['诉求', '地点'], ['路灯坏了,很黑', '红都大道"1"号']], 'BOM dropped, quoted comma and doubled quote');
  t.same(parseCsvText('a,b\n"第一行\r\n第二行",x\rlast,row'), [['a', 'b'], ['第一行\r\n第二行', 'x'], ['last', 'row']], 'line breaks inside quotes; LF, CRLF and CR line ends');
  t.same(parseCsvText('a,b\n\n , \n1,2,3\n4'), [['a', 'b'], ['1', '2', '3'], ['4']], 'blank rows left out, ragged rows kept');
  t.same(parseCsvText('name,note\n张三,身高1米8"左右\n'), [['name', 'note'], ['张三', '身高1米8"左右']], 'a quote inside an unquoted cell is literal');
  t.same(parseCsvText(''), []);
  const e = (() => {
    try {
      parseCsvText('a,"b\n');
    } catch (err) {
      return err;
    }
  })();
  t.ok(e instanceof AppError && e.kind === 'invalid' && e.code === 'bad_csv', 'bad input is a 400, not a crash');
  t.equal((e as Error).message, 'CSV 引号未闭合');
});

t.test('what the writer writes, the reader reads back (formula-safe cells undone by undefuse)', async (t) => {
  const rows = [['kind', 'name', 'phone', 'note'], ['member', '=HYPERLINK("x")', '+8613800000000', '多行\n备注, 有逗号'], ['member', ' 前后空格 ', '', '"引号"']];
  const back = parseCsvText(toCsvText(rows, { bom: true })).map((r) => r.map(undefuse));
  t.same(back, rows);
  t.same(rosterCsv(toCsvText(rows)), parseCsvText(toCsvText(rows)), 'the roster import uses the same reader');
});

t.test('platform export files: CSV through the same reader, cells kept as text', async (t) => {
  const csv = Buffer.from('\uFEFF案件编号,诉求内容, 地点 \r\n0012,"路灯不亮,很危险",  红都大道  \r\n,,\r\n20260001234567890,井盖缺失,\r\n');
  const recs = await parseExport(csv, 'csv');
  t.same(recs, [
    { 案件编号: '0012', 诉求内容: '路灯不亮,很危险', 地点: '红都大道' },
    { 案件编号: '20260001234567890', 诉求内容: '井盖缺失' },
  ]);
  await t.rejects(parseExport(Buffer.from('a,b\n"x,y\n'), 'csv'), { code: 'bad_export', message: /CSV 导出文件无法解析:CSV 引号未闭合/ });
});
