import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import t from 'tap';
import { decodeCsvBytes, splitUnitCell } from '../../../src/application/routing-training/history-import.js';
import { readHistory } from '../../../adapters/fs-config/history-file.js';
import { loadUnitAliases } from '../../../adapters/fs-config/unit-aliases.js';
import { createUnitResolver } from '../../../src/domain/directory/unit-names.js';

const directory = JSON.parse(readFileSync(new URL('../../../config/units.json', import.meta.url), 'utf8')) as { units: string[]; townships: string[] };
const NAMES = [...directory.units, ...directory.townships];
const resolve = createUnitResolver(NAMES, loadUnitAliases(new URL('../../../config/unit-aliases.yaml', import.meta.url), NAMES));
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/history/${name}`, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'suban-history-'));

t.test('a 12345 export: UTF-8 with BOM, CRLF, quoted newlines, several units per cell', async (t) => {
  const { rows, report } = await readHistory(fixture('workorders-bom.csv'), resolve);
  t.equal(report.format, 'csv');
  t.same(report.columns, { text: '工单内容', title: '标题', unit: '承办单位', category: '一级分类' });
  t.equal(report.rows, 9, 'the blank line is not a row');
  t.equal(report.used, 6);
  t.same(rows, [
    { line: 2, text: '路灯不亮\n中山路百货大楼到十字路口有四五盏灯晚上不亮,黑咕隆咚的', unit: '市城管局', acceptable: [], category: '城乡建设' },
    { line: 3, text: '小区违建\n隔壁楼顶加盖铁皮房,\n已经搭了一半了', unit: '市城管局', acceptable: ['市自然资源局'], category: '城乡建设' },
    { line: 6, text: '孩子学校收费不合理', unit: '市教体局', acceptable: [], category: '教育' },
    { line: 7, text: '停水\n象湖镇下坝村停水两天了', unit: '润泉供水公司', acceptable: ['象湖镇'], category: '公用事业' },
    { line: 11, text: '电费\n电费突然涨了好多', unit: '供电公司', acceptable: [], category: '能源' },
    { line: 12, text: '物业2\n物业不作为', unit: null, acceptable: [], category: '住房保障' },
  ]);
  t.same(report.skipped, [
    { line: 8, reason: '承办单位无法匹配:某某物业公司' },
    { line: 9, reason: '内容为空' },
    { line: 10, reason: '缺少单位和类别' },
  ]);
  t.same(report.unmatchedUnits, [{ name: '某某物业公司', count: 3 }]);
});

t.test('a GBK CSV as Excel in Chinese saves it', async (t) => {
  const bytes = readFileSync(fixture('hotline-gbk.csv'));
  t.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'the fixture really is not UTF-8');
  const { rows, report } = await readHistory(fixture('hotline-gbk.csv'), resolve);
  t.same(report.columns, { text: '诉求内容', unit: '承办单位', category: '诉求类别' });
  t.same(
    rows.map((r) => [r.line, r.text, r.unit, r.category]),
    [
      [2, '红都大道人行道上摆摊卖菜,推车都过不去', '市城管局', '投诉'],
      [3, '医保报销比例咨询', '瑞金医保分局', '咨询'],
      [4, '派出所办身份证要排很久', '市公安局', '投诉'],
    ],
  );
  t.equal(decodeCsvBytes(Buffer.from('\ufeff内容', 'utf8')), '内容', 'a UTF-8 BOM is dropped');
});

t.test("a message board's export: header variants, other cities' units", async (t) => {
  const { rows, report } = await readHistory(fixture('board-variants.csv'), resolve);
  t.same(report.columns, { text: '留言详情', title: '留言主题：', unit: '处理单位：', category: '问题分类' });
  t.same(
    rows.map((r) => [r.line, r.unit]),
    [
      [4, '市公安局交管大队'],
      [5, '市城管局'],
      [6, '市人社局'],
    ],
  );
  t.equal(rows[2].text, '社保转移\n社保关系转移办不下来,跑了三趟');
  t.same(report.skipped, [{ line: 7, reason: '承办单位无法匹配:XX县外星人接待办' }]);
  t.same(report.unmatchedUnits, [{ name: 'XX县外星人接待办', count: 1 }]);
});

t.test('header recognition ignores case, spaces and full-width colons; earlier names win', async (t) => {
  const p = join(tmp, 'headers.csv');
  writeFileSync(p, ' TEXT ,内容,Unit：,CATEGORY\n正文,次要,市教体局,教育\n');
  const { rows, report } = await readHistory(p, resolve);
  t.same(report.columns, { text: '内容', unit: 'Unit：', category: 'CATEGORY' }, '内容 comes before text in the list');
  t.same(rows[0], { line: 2, text: '次要', unit: '市教体局', acceptable: [], category: '教育' });
});

t.test('title and content: title first, a title alone kept, a repeated one not doubled', async (t) => {
  const p = join(tmp, 'titles.csv');
  writeFileSync(p, '标题,内容,承办单位\n电费,电费突然涨了,供电公司\n路灯不亮,,市城管局\n停水,停水,润泉供水公司\n');
  const { rows } = await readHistory(p, resolve);
  t.same(rows.map((r) => r.text), ['电费\n电费突然涨了', '路灯不亮', '停水']);
});

t.test('诉求地址 is read after the text, as intake reads a ticket\'s place (CSV and JSON lines)', async (t) => {
  const p = join(tmp, 'places.csv');
  writeFileSync(p, '诉求内容,诉求地址,承办单位\n村里的路灯坏了,黄柏乡中排村,黄柏乡\n路灯坏了,,市城管局\n');
  const csv = await readHistory(p, resolve);
  t.equal(csv.report.columns.place, '诉求地址');
  t.same(csv.rows.map((r) => r.text), ['村里的路灯坏了 黄柏乡中排村', '路灯坏了']);
  const j = join(tmp, 'places.jsonl');
  writeFileSync(j, ['{"text":"村道被堆了砖","unit":"谢坊镇","address":"谢坊镇谢坊村"}', '{"text":"井盖丢了","unit":"市城管局","place":"八一路"}'].join('\n'));
  const json = await readHistory(j, resolve);
  t.equal(json.report.columns.place, 'place');
  t.same(json.rows.map((r) => r.text), ['村道被堆了砖 谢坊镇谢坊村', '井盖丢了 八一路']);
});

t.test('unit cells: separators, brackets, duplicates and unplaced co-handlers', async (t) => {
  t.same(splitUnitCell('市城管局、市住建局,市公安局，市教体局;市卫健委；市民政局/市财政局'), ['市城管局', '市住建局', '市公安局', '市教体局', '市卫健委', '市民政局', '市财政局']);
  t.same(splitUnitCell(' 供电公司（城区、象湖供电所）/ 市城管局 '), ['供电公司（城区、象湖供电所）', '市城管局']);
  t.same(splitUnitCell('、、'), []);
  const p = join(tmp, 'cells.csv');
  writeFileSync(p, '内容,承办单位\n甲,"市城管局、市城市管理局、不明单位、市住建局"\n乙,"不明单位、市住建局"\n');
  const { rows, report } = await readHistory(p, resolve);
  t.same(rows, [{ line: 2, text: '甲', unit: '市城管局', acceptable: ['市住建局'], category: null }]);
  t.same(report.skipped, [{ line: 3, reason: '承办单位无法匹配:不明单位' }], 'an unplaced owner is not replaced by a co-handler');
  t.same(report.unmatchedUnits, [{ name: '不明单位', count: 2 }]);
});

t.test('unmatched units: most frequent first', async (t) => {
  const p = join(tmp, 'unmatched.csv');
  writeFileSync(p, '内容,承办单位,类别\n' + ['甲物业', '乙物业', '乙物业', '丙物业', '乙物业', '丙物业'].map((u, i) => `第${i}条,${u},城建`).join('\n'));
  const { rows, report } = await readHistory(p, resolve);
  t.equal(rows.length, 6, 'kept: each has a category');
  t.ok(rows.every((r) => r.unit === null));
  t.same(report.unmatchedUnits, [
    { name: '乙物业', count: 3 },
    { name: '丙物业', count: 2 },
    { name: '甲物业', count: 1 },
  ]);
});

t.test('XLSX: first worksheet, header = first non-empty row, cells as people see them', async (t) => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('工单');
  ws.addRow([]);
  ws.getCell('A2').value = '';
  ws.addRow(['序号', '来电内容', '主办单位', '类别']);
  ws.addRow([1, { richText: [{ text: '楼道' }, { text: '灯坏了', font: { bold: true } }] }, '瑞金市住房和城乡建设局', '城建']);
  ws.addRow([2, { formula: '"水管"&"爆了"', result: '水管爆了' }, { text: '润泉供水公司', hyperlink: 'https://example.org' }, '']);
  ws.addRow([]);
  ws.addRow([3, 20240101, '', '']);
  wb.addWorksheet('其他').addRow(['内容', '承办单位']);
  const p = join(tmp, 'history.xlsx');
  await wb.xlsx.writeFile(p);

  const { rows, report } = await readHistory(p, resolve);
  t.equal(report.format, 'xlsx');
  t.same(report.columns, { text: '来电内容', unit: '主办单位', category: '类别' });
  t.same(rows, [
    { line: 4, text: '楼道灯坏了', unit: '市住建局', acceptable: [], category: '城建' },
    { line: 5, text: '水管爆了', unit: '润泉供水公司', acceptable: [], category: null },
  ]);
  t.same(report.skipped, [{ line: 7, reason: '缺少单位和类别' }]);
  t.equal(report.rows, 3);

  await t.rejects(readHistory(p, resolve, { maxRows: 2 }), { code: 'history_too_many_rows' });
  t.equal((await readHistory(p, resolve, { maxRows: 3 })).rows.length, 2);

  const bad = new ExcelJS.Workbook();
  bad.addWorksheet('x').addRow(['编号', '满意度']);
  const q = join(tmp, 'no-text.xlsx');
  await bad.xlsx.writeFile(q);
  await t.rejects(readHistory(q, resolve), { code: 'history_no_text_column', message: /编号、满意度/ });
  const broken = join(tmp, 'broken.xlsx');
  writeFileSync(broken, 'not a zip');
  await t.rejects(readHistory(broken, resolve), { code: 'history_bad_xlsx' });
});

t.test('JSON lines: unit, acceptable, title, category only, bad lines', async (t) => {
  const { rows, report } = await readHistory(fixture('history.jsonl'), resolve);
  t.equal(report.format, 'jsonl');
  t.same(report.columns, { text: 'text', title: 'title', unit: 'unit', category: 'category' });
  t.same(rows, [
    { line: 1, text: '路灯坏了三天没人修', unit: '市城管局', acceptable: [], category: null },
    { line: 2, text: '违建\n楼顶违建', unit: '市城管局', acceptable: ['市自然资源局'], category: null },
    { line: 3, text: '想问一下公积金怎么提取', unit: null, acceptable: [], category: '咨询' },
  ]);
  t.same(report.skipped, [
    { line: 4, reason: '内容为空' },
    { line: 5, reason: '不是 JSON 对象' },
    { line: 6, reason: '承办单位无法匹配:某某物业公司' },
    { line: 7, reason: '缺少单位和类别' },
    { line: 8, reason: '不是有效的 JSON' },
  ]);
  t.same(report.unmatchedUnits, [
    { name: '不存在局', count: 1 },
    { name: '某某物业公司', count: 1 },
  ]);
  t.equal(report.rows, 8);
});

t.test('a .json file may be one array', async (t) => {
  const p = join(tmp, 'history.json');
  writeFileSync(p, JSON.stringify([{ text: '甲', unit: '市城管局' }, { text: '乙', category: '咨询' }], null, 2));
  const { rows, report } = await readHistory(p, resolve);
  t.same(rows.map((r) => [r.line, r.unit, r.category]), [[1, '市城管局', null], [2, null, '咨询']]);
  t.same(report.columns, { text: 'text', unit: 'unit', category: 'category' });
  const q = join(tmp, 'broken.json');
  writeFileSync(q, '[{"text": ');
  await t.rejects(readHistory(q, resolve), { code: 'history_bad_json' });
});

t.test('NULs and lone surrogates are stripped from the text', async (t) => {
  const p = join(tmp, 'dirty.jsonl');
  writeFileSync(p, JSON.stringify({ text: 'a\u0000b\ud800c\udfffd😀', title: '\u0000', unit: '市城管局\u0000' }) + '\n');
  const { rows } = await readHistory(p, resolve);
  t.equal(rows[0].text, 'abcd😀');
  t.equal(rows[0].unit, '市城管局');
  const q = join(tmp, 'dirty.csv');
  writeFileSync(q, '内容,承办单位\n"x\u0000y",市城管局\n');
  t.equal((await readHistory(q, resolve)).rows[0].text, 'xy');
});

t.test('errors: missing columns, empty files, unsupported formats', async (t) => {
  await t.rejects(readHistory(fixture('headerless.csv'), resolve), {
    code: 'history_no_text_column',
    message: /找到的表头:编号、办结时间、满意度/,
  });
  const noLabel = join(tmp, 'no-label.csv');
  writeFileSync(noLabel, '标题,内容\na,b\n');
  await t.rejects(readHistory(noLabel, resolve), { code: 'history_no_label_column', message: /标题、内容/ });
  const empty = join(tmp, 'empty.csv');
  writeFileSync(empty, '\n\n');
  await t.rejects(readHistory(empty, resolve), { code: 'history_no_text_column', message: /空/ });
  const xls = join(tmp, 'old.xls');
  writeFileSync(xls, 'x');
  await t.rejects(readHistory(xls, resolve), { code: 'history_format', message: /另存为 \.xlsx/ });
  await t.rejects(readHistory(join(tmp, 'missing.csv'), resolve), { code: 'history_unreadable' });
  const badQuote = join(tmp, 'bad-quote.csv');
  writeFileSync(badQuote, '内容,承办单位\n"没有结束的引号,市城管局\n');
  await t.rejects(readHistory(badQuote, resolve), { code: 'history_bad_csv' });
});

t.test('caps: file size before reading, rows while parsing', async (t) => {
  const csv = fixture('workorders-bom.csv');
  await t.rejects(readHistory(csv, resolve, { maxBytes: 100 }), { code: 'history_too_large', kind: 'too_large', message: /超过上限/ });
  await t.rejects(readHistory(csv, resolve, { maxRows: 8 }), { code: 'history_too_many_rows', kind: 'too_large', message: /8 行/ });
  t.equal((await readHistory(csv, resolve, { maxRows: 9 })).report.rows, 9, 'exactly at the cap is fine');
  await t.rejects(readHistory(fixture('history.jsonl'), resolve, { maxRows: 7 }), { code: 'history_too_many_rows' });

  const big = join(tmp, 'big.csv');
  writeFileSync(big, '内容,承办单位\n' + Array.from({ length: 250_001 }, (_, i) => `第${i}条,市城管局`).join('\n'));
  await t.rejects(readHistory(big, resolve), { code: 'history_too_many_rows', message: /200000/ }, 'the default row cap');
});
