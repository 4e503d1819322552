import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { AppError } from '../../../src/domain/errors.js';
import { loadUnitAliases } from '../../../adapters/fs-config/unit-aliases.js';
import { checkUnitAliases, createUnitResolver, unitKey } from '../../../src/domain/directory/unit-names.js';

const directory = JSON.parse(readFileSync(new URL('../../../config/units.json', import.meta.url), 'utf8')) as { units: string[]; townships: string[] };
const NAMES = [...directory.units, ...directory.townships];
const ALIASES_PATH = new URL('../../../config/unit-aliases.yaml', import.meta.url);

t.test('the directory is the one the brief describes', async (t) => {
  t.equal(directory.units.length, 65);
  t.equal(directory.townships.length, 18);
});

t.test('unitKey ignores width, spaces and punctuation', async (t) => {
  t.equal(unitKey(' 市 教体局。'), '市教体局');
  t.equal(unitKey('（市教体局）'), '市教体局');
  t.equal(unitKey('ｋｔｖ'), 'KTV');
});

t.test('the shipped alias table loads and every target is a directory name', async (t) => {
  const aliases = loadUnitAliases(ALIASES_PATH, NAMES);
  t.ok(Object.keys(aliases).length > 100);
  t.same(checkUnitAliases(aliases, NAMES), []);
});

t.test('resolves', async (t) => {
  const resolve = createUnitResolver(NAMES, loadUnitAliases(ALIASES_PATH, NAMES));
  const cases: [string, string][] = [
    // exact, every directory name means itself
    ...NAMES.map((n): [string, string] => [n, n]),
    // whitespace, punctuation, full width
    [' 市教体局 ', '市教体局'],
    ['市　卫健委', '市卫健委'],
    ['“市公安局”', '市公安局'],
    ['市公安局交管大队。', '市公安局交管大队'],
    // city prefixes and body suffixes
    ['瑞金市教体局', '市教体局'],
    ['瑞金市公安局', '市公安局'],
    ['江西省瑞金市卫健委', '市卫健委'],
    ['瑞金市医保分局', '瑞金医保分局'],
    ['象湖镇人民政府', '象湖镇'],
    ['瑞金市象湖镇人民政府', '象湖镇'],
    ['江西省瑞金市沙洲坝镇政府', '沙洲坝镇'],
    ['黄柏乡政府', '黄柏乡'],
    ['云石山乡人民政府办公室', '云石山乡'],
    ['教体局', '市教体局'],
    // official full forms from the table
    ['市政府办公室', '市政府办'],
    ['瑞金市人民政府办公室', '市政府办'],
    ['市教育体育局', '市教体局'],
    ['市卫生健康委员会', '市卫健委'],
    ['市住房和城乡建设局', '市住建局'],
    ['市城市管理局', '市城管局'],
    ['城管执法局', '市城管局'],
    ['市人力资源和社会保障局', '市人社局'],
    ['市市场监督管理局', '市市场监管局'],
    ['公安局交通管理大队', '市公安局交管大队'],
    ['交警大队', '市公安局交管大队'],
    ['国网瑞金市供电公司', '供电公司'],
    ['中国电信瑞金分公司', '电信公司'],
    ['赣州市瑞金生态环境局', '瑞金生态环境局'],
    ['瑞金市润泉供水有限公司', '润泉供水公司'],
    ['市城投集团有限公司', '市城投集团公司'],
    // other cities' message boards
    ['南昌市青山湖区城市管理局', '市城管局'],
    ['XX区城市管理局', '市城管局'],
    ['兴国县教育局', '市教体局'],
    ['住建局', '市住建局'],
    ['人社局', '市人社局'],
    ['赣州市章贡区市场监督管理局', '市市场监管局'],
    ['于都县公安局', '市公安局'],
    ['宁都县委组织部', '市委组织部'],
    ['象湖派出所', '市公安局'],
    ['瑞金市公安局象湖派出所', '市公安局'],
    ['派出所', '市公安局'],
    ['交警', '市公安局交管大队'],
    ['税务局', '市税务局'],
    ['国家税务总局瑞金市税务局', '市税务局'],
    ['医保局', '瑞金医保分局'],
    ['消防救援大队', '市消防救援大队'],
    ['自来水公司', '润泉供水公司'],
    ['城区供电所', '供电公司'],
    // parenthesised notes
    ['供电公司（城区供电所）', '供电公司'],
    ['市教体局(基教股)', '市教体局'],
  ];
  for (const [raw, want] of cases) t.equal(resolve(raw), want, raw);
});

t.test('a name that matches nothing is null, never a guess', async (t) => {
  const resolve = createUnitResolver(NAMES, loadUnitAliases(ALIASES_PATH, NAMES));
  for (const raw of ['', '   ', '。', '某某物业公司', '市', '瑞金', '瑞金市', '公司', '火星局', '市教体', '青山湖区']) {
    t.equal(resolve(raw), null, JSON.stringify(raw));
  }
  // the same answer from the cache
  t.equal(resolve('某某物业公司'), null);
  t.equal(resolve('市教育体育局'), '市教体局');
  t.equal(resolve('市教育体育局'), '市教体局');
});

t.test('without aliases only names and affixes resolve', async (t) => {
  const resolve = createUnitResolver(NAMES);
  t.equal(resolve('瑞金市教体局'), '市教体局');
  t.equal(resolve('象湖镇人民政府'), '象湖镇');
  t.equal(resolve('市教育体育局'), null);
});

t.test('readings that disagree give null', async (t) => {
  // 瑞金X and 市X are both names: "X" alone is ambiguous
  const resolve = createUnitResolver(['市档案馆', '瑞金档案馆']);
  t.equal(resolve('档案馆'), null);
  t.equal(resolve('市档案馆'), '市档案馆');
  // two units share an ending another city could mean
  const r2 = createUnitResolver(['甲局', '乙局'], { 管理局: '甲局', 市管理局: '乙局' });
  t.equal(r2('某某县管理局'), null, '管理局 and 市管理局 both end it');
  t.equal(r2('某某县市管理局'), '乙局', 'the longest ending wins');
});

t.test('bad alias tables fail with every problem listed', async (t) => {
  const err = t.throws(() => createUnitResolver(['市教体局', '市公安局'], {
    教育局: '市教育局',
    交警: '市交警队',
    市公安局: '市教体局',
    '市 公安': '市公安局',
    市公安: '市教体局',
    ok: '市教体局',
  })) as AppError;
  t.ok(err instanceof AppError);
  t.equal(err.code, 'unit_aliases_invalid');
  t.match(err.message, /4 处错误/);
  t.match(err.message, /市教育局/);
  t.match(err.message, /市交警队/);
  t.match(err.message, /市公安局: 是单位 市公安局 的名称/);
  t.match(err.message, /市公安: 与别名 市 公安 相同/);
});

t.test('loadUnitAliases', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'suban-aliases-'));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  t.same(loadUnitAliases(write('empty.yaml', '')), {});
  t.same(loadUnitAliases(write('ok.yaml', '教育局: 市教体局\n"*派出所": 市公安局\n'), NAMES), { 教育局: '市教体局', '*派出所': '市公安局' });
  // without names the file is only read; the resolver checks the targets
  const unchecked = loadUnitAliases(write('bad-target.yaml', '教育局: 市教育局\n卫生局: 市卫生局\n'));
  t.throws(() => createUnitResolver(NAMES, unchecked), { code: 'unit_aliases_invalid' });
  t.throws(() => loadUnitAliases(write('bad-target2.yaml', '教育局: 市教育局\n卫生局: 市卫生局\n'), NAMES), {
    code: 'unit_aliases_invalid',
    message: /2 处错误[\s\S]*市教育局[\s\S]*市卫生局/,
  });
  t.throws(() => loadUnitAliases(write('list.yaml', '- a\n- b\n')), { code: 'unit_aliases_invalid' });
  t.throws(() => loadUnitAliases(write('nested.yaml', '教育局:\n  x: 1\n')), { code: 'unit_aliases_invalid', message: /目标应为单位名称/ });
  t.throws(() => loadUnitAliases(write('broken.yaml', 'a: [\n')), { code: 'unit_aliases_invalid', message: /YAML/ });
  t.throws(() => loadUnitAliases(join(dir, 'missing.yaml')), { code: 'unit_aliases_unreadable' });
});
