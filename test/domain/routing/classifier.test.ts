import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';

// Training the unit model when the shipped one is stale, plus thousands of classifications.
t.setTimeout(300_000);
import { DEFAULT_THRESHOLD, type Classifier, MODEL_URGENT_REASON, type Classification } from '../../../src/domain/routing/classifier.js';
import { parseDutyList } from '../../../src/domain/routing/duty-list.js';
import { parseRoutingExamples } from '../../../src/domain/routing/examples.js';
import { createClassifier, loadBuiltinRouting, loadDutyList, loadRoutingExamples } from '../../../adapters/fs-config/routing.js';
import { AppError } from '../../../src/domain/errors.js';
import { normalizeText } from '../../../src/domain/routing/normalize.js';
import { CATEGORIES } from '../../../src/domain/tickets/ticket.js';
import { builtinRoutingModel } from '../../../src/domain/routing/builtin-model.js';

/** The 65 member units and 18 townships of units.json (附件1), exact names. */
const UNITS = [
  '市纪委监委', '市委政法委', '市委组织部', '市委统战部', '市委宣传部', '市信访局', '市委编办', '市政府办', '市发改委', '市城管局',
  '市教体局', '市科技局', '市工信局', '市公安局', '市民政局', '市司法局', '市财政局', '市人社局', '市自然资源局', '市住建局',
  '市交通运输局', '市水利局', '市农业农村局', '市商务局', '市文广旅局', '市卫健委', '市退役军人事务局', '市应急管理局', '市审计局',
  '市林业局', '市市场监管局', '市乡村振兴局', '市行政审批局', '市公安局交管大队', '市机关事务管理中心', '市果茶服务中心',
  '市住保安置中心', '市棚改办', '市旧改办', '市总工会', '市妇联', '市残联', '团市委', '市科协', '纪念馆', '市税务局',
  '市消防救援大队', '瑞金医保分局', '瑞金生态环境局', '市烟草专卖局', '瑞金公路发展分中心', '瑞金公积金分中心', '经开区党政办',
  '市城投集团公司', '市文旅集团公司', '市工投公司', '市乡村振兴公司', '市机场建设公司', '石油公司', '电信公司', '移动公司',
  '联通公司', '广电公司', '供电公司', '润泉供水公司',
];
const TOWNSHIPS = [
  '象湖镇', '壬田镇', '沙洲坝镇', '瑞林镇', '黄柏乡', '武阳镇', '谢坊镇', '叶坪镇', '日东乡', '云石山乡', '大柏地乡', '拔英乡',
  '泽覃乡', '冈面乡', '万田乡', '丁陂乡', '九堡镇', '城市社区',
];

interface Labelled {
  id: string;
  text: string;
  unit: string;
  acceptable: string[];
  category: string;
  urgent: boolean;
  township: string | null;
  /** A message board's subject line, read before the text as the classify CLI does. */
  title?: string;
}

function readJsonl(name: string): Labelled[] {
  const text = readFileSync(new URL(`../../fixtures/classify/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Labelled);
}

interface Scores {
  n: number;
  unit: number;
  urgentRecall: number;
  /** 即办 cases flagged at either level (urgent, or 待核实 for an operator): none dropped. */
  flagRecall: number;
  urgentPrecision: number;
  category: number;
  township: number;
  manualRate: number;
  autoPrecision: number;
  misses: string[];
}

function score(rows: Labelled[], c: Classifier): Scores {
  let unit = 0, urgent = 0, urgentHit = 0, anyHit = 0, flagged = 0, category = 0, township = 0, manual = 0, auto = 0, autoOk = 0;
  const misses: string[] = [];
  for (const r of rows) {
    const x = c.classify(r.title ? `${r.title}\n${r.text}` : r.text);
    const ok = x.unit !== null && [r.unit, ...r.acceptable].includes(x.unit);
    if (ok) unit++;
    if (x.needsManualDispatch) manual++;
    else {
      auto++;
      if (ok) autoOk++;
    }
    if (r.urgent) {
      urgent++;
      if (x.urgent) urgentHit++;
      if (x.urgent || x.urgentCheck) anyHit++;
      else misses.push(`即办漏报 ${r.id}: ${r.text}`);
    }
    if (x.urgent) flagged++;
    if (x.category === r.category) category++;
    if (x.township === r.township) township++;
  }
  const n = rows.length;
  return {
    n,
    unit: unit / n,
    urgentRecall: urgent === 0 ? 1 : urgentHit / urgent,
    flagRecall: urgent === 0 ? 1 : anyHit / urgent,
    urgentPrecision: flagged === 0 ? 1 : urgentHit / flagged,
    category: category / n,
    township: township / n,
    manualRate: manual / n,
    autoPrecision: auto === 0 ? 1 : autoOk / auto,
    misses,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const dutyList = loadDutyList(undefined, { units: UNITS, townships: TOWNSHIPS });
const classifier = createClassifier(dutyList);
const examples = loadRoutingExamples();

/*
 * Every fixture file below is also in config/routing-examples.jsonl, which the shipped models are
 * trained on: their figures measure fit (can the classifier reproduce what it was taught), not
 * generalisation. Generalisation is asserted by the cross-validation test further down, and was
 * measured once on each blind file before it joined the examples (figures in the comments).
 */

t.test('duty list covers every unit and township of units.json with usable entries', async (t) => {
  t.equal(dutyList.units.length, 65);
  t.equal(dutyList.townships.length, 18);
  for (const u of dutyList.units) {
    t.ok(u.keywords.size >= 5, `${u.name} has keywords`);
    t.ok(u.examples.length >= 2, `${u.name} has 2+ examples`);
    t.ok(u.categories.every((c) => (CATEGORIES as readonly string[]).includes(c)), `${u.name} categories valid`);
  }
  for (const tw of dutyList.townships) {
    t.ok(tw.places.length >= 5 && tw.places.length <= 25, `${tw.name} has ${tw.places.length} places`);
  }
  for (const r of dutyList.urgent) t.ok(r.unit === null || UNITS.includes(r.unit), `urgent rule ${r.id} acts through a member unit`);
});

t.test('labelled set (training data: fit): accuracy, 即办 recall, category, township', async (t) => {
  const rows = readJsonl('labelled.jsonl');
  t.ok(rows.length >= 300, `${rows.length} labelled requests`);
  t.ok(rows.filter((r) => r.urgent).length >= 60, '60+ 即办 cases');
  const covered = new Set(rows.map((r) => r.unit));
  t.same(UNITS.filter((u) => !covered.has(u)), [], 'every unit has labelled requests');
  for (const r of rows) {
    t.ok(UNITS.includes(r.unit) && r.acceptable.every((a) => UNITS.includes(a)), `${r.id} labels exact unit names`);
    if (r.township !== null) t.ok(TOWNSHIPS.includes(r.township), `${r.id} township is one of the 18`);
  }

  const s = score(rows, classifier);
  t.comment(
    `labelled n=${s.n}: unit ${pct(s.unit)}, 即办 recall ${pct(s.urgentRecall)} (precision ${pct(s.urgentPrecision)}), ` +
      `category ${pct(s.category)}, township ${pct(s.township)}, manual dispatch ${pct(s.manualRate)}, ` +
      `auto-dispatch precision ${pct(s.autoPrecision)}`,
  );
  t.ok(s.unit >= 0.9, `unit accuracy ${pct(s.unit)} >= 90%`);
  // These sets were labelled when 即办 meant "anything possibly dangerous" (怕山会塌下来 is true
  // here); today a risk is 待核实, so no case may be dropped, and most must page at once.
  t.ok(s.flagRecall >= 0.99, `即办 flagged (urgent or 待核实) ${pct(s.flagRecall)} >= 99%`, { misses: s.misses });
  t.ok(s.urgentRecall >= 0.78, `即办 paged at once ${pct(s.urgentRecall)} >= 78%`);
  t.ok(s.category >= 0.65, `category accuracy ${pct(s.category)} >= 65%`);
  t.ok(s.township >= 0.95, `township accuracy ${pct(s.township)} >= 95%`);
  t.ok(s.autoPrecision >= 0.95, `auto-dispatched tickets go to the right unit ${pct(s.autoPrecision)}`);
});

t.test('holdout set (training data now: fit)', async (t) => {
  const rows = readJsonl('holdout.jsonl');
  t.ok(rows.length >= 60, `${rows.length} holdout requests`);
  const s = score(rows, classifier);
  t.comment(
    `HOLDOUT n=${s.n}: unit ${pct(s.unit)}, 即办 recall ${pct(s.urgentRecall)} (precision ${pct(s.urgentPrecision)}), ` +
      `category ${pct(s.category)}, township ${pct(s.township)}, manual dispatch ${pct(s.manualRate)}, ` +
      `auto-dispatch precision ${pct(s.autoPrecision)}`,
  );
  for (const m of s.misses) t.comment(m);
  t.ok(s.unit >= 0.88, `holdout unit accuracy ${pct(s.unit)} >= 88%`);
  // The first blind look (before the 疑似险情 safety net) was unit 85.4%, 即办 recall 52.2%;
  // before the hazard-family lexicon 85.4% / 82.6%; with it 92.7% / 100%.
  t.ok(s.flagRecall >= 0.95, `holdout 即办 flagged ${pct(s.flagRecall)} >= 95%`);
  t.ok(s.urgentRecall >= 0.85, `holdout 即办 paged at once ${pct(s.urgentRecall)} >= 85%`);
});

/** Checks shared by the blind sets: exact unit names, the township list, enough 即办 cases. */
function checkFixture(t: Test, rows: Labelled[], minRows: number, minUrgent: number): void {
  t.ok(rows.length >= minRows, `${rows.length} requests >= ${minRows}`);
  t.ok(rows.filter((r) => r.urgent).length >= minUrgent, `${rows.filter((r) => r.urgent).length} 即办 cases >= ${minUrgent}`);
  t.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'ids are unique');
  for (const r of rows) {
    t.ok(UNITS.includes(r.unit) && r.acceptable.every((a) => UNITS.includes(a)), `${r.id} labels exact unit names`);
    if (r.township !== null) t.ok(TOWNSHIPS.includes(r.township), `${r.id} township is one of the 18`);
  }
}

t.test('blind set (rules tuned on it, training data now: fit): 即办 families and units', async (t) => {
  const rows = readJsonl('blind.jsonl');
  checkFixture(t, rows, 250, 100);
  const s = score(rows, classifier);
  t.comment(
    `BLIND n=${s.n}: unit ${pct(s.unit)}, 即办 recall ${pct(s.urgentRecall)} (precision ${pct(s.urgentPrecision)}), ` +
      `category ${pct(s.category)}, manual dispatch ${pct(s.manualRate)}, auto-dispatch precision ${pct(s.autoPrecision)}`,
  );
  for (const m of s.misses) t.comment(m);
  // Measured before any tuning: unit 80.4%, 即办 recall 55.6% (precision 87.5%).
  // After the hazard-family lexicon: unit 97.4%, recall 100%, precision 92.6%. Floors keep a margin.
  t.ok(s.unit >= 0.95, `blind unit accuracy ${pct(s.unit)} >= 95%`);
  t.ok(s.flagRecall >= 0.98, `blind 即办 flagged ${pct(s.flagRecall)} >= 98%`, { misses: s.misses });
  t.ok(s.urgentRecall >= 0.9, `blind 即办 paged at once ${pct(s.urgentRecall)} >= 90%`);
  t.ok(s.urgentPrecision >= 0.6, `blind 即办 precision ${pct(s.urgentPrecision)} >= 60% (false alarms are tolerated)`);
});

t.test('blind2 set (training data now: fit)', async (t) => {
  const rows = readJsonl('blind2.jsonl');
  checkFixture(t, rows, 150, 60);
  const s = score(rows, classifier);
  t.comment(
    `BLIND2 n=${s.n}: unit ${pct(s.unit)}, 即办 recall ${pct(s.urgentRecall)} (precision ${pct(s.urgentPrecision)}), ` +
      `category ${pct(s.category)}, manual dispatch ${pct(s.manualRate)}, auto-dispatch precision ${pct(s.autoPrecision)}`,
  );
  // Measured once with phrase rules alone, before it was ever read: unit 72.7%, 即办 recall 58.6%.
  // Under 5-fold cross-validation (its requests never in their fold's training), rules + models
  // scored unit 84.0%, recall 95.7%, precision 82.7%. Now that it is training data this is fit.
  t.ok(s.unit >= 0.9, `blind2 unit accuracy ${pct(s.unit)} >= 90%`);
  t.ok(s.flagRecall >= 0.97, `blind2 即办 flagged ${pct(s.flagRecall)} >= 97%`, { misses: s.misses });
  t.ok(s.urgentRecall >= 0.9, `blind2 即办 paged at once ${pct(s.urgentRecall)} >= 90%`);
});

t.test('blind3 set (measured once before joining the training data; fit now)', async (t) => {
  const rows = readJsonl('blind3.jsonl');
  checkFixture(t, rows, 200, 80);
  t.ok(new Set(rows.map((r) => r.unit)).size >= 50, 'spread over many units');
  const s = score(rows, classifier);
  t.comment(
    `BLIND3 n=${s.n}: unit ${pct(s.unit)}, 即办 recall ${pct(s.urgentRecall)} (precision ${pct(s.urgentPrecision)}), ` +
      `category ${pct(s.category)}, manual dispatch ${pct(s.manualRate)}, auto-dispatch precision ${pct(s.autoPrecision)}`,
  );
  // The generalisation figure, measured once on models trained without it: unit 93.8%, 即办
  // recall 100% (91/91), precision 86.7%; phrase rules alone: 85.6%, 85.7%, 87.6%.
  t.ok(s.unit >= 0.93, `blind3 unit accuracy ${pct(s.unit)} >= 93%`);
  t.ok(s.flagRecall >= 0.99, `blind3 即办 flagged ${pct(s.flagRecall)} >= 99%`, { misses: s.misses });
  t.ok(s.urgentRecall >= 0.9, `blind3 即办 paged at once ${pct(s.urgentRecall)} >= 90%`);
});

t.test('blind4 set (short WeChat/IVR requests, measured once blind, then used for error analysis; training data since session 11: fit)', async (t) => {
  const rows = readJsonl('blind4.jsonl');
  const owners = [...UNITS, ...TOWNSHIPS];
  t.ok(rows.length >= 500, `${rows.length} requests >= 500`);
  t.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'ids are unique');
  t.same(rows.filter((r) => !owners.includes(r.unit) || !r.acceptable.every((a) => owners.includes(a))).map((r) => r.id), [], 'exact unit or township names');
  t.same(rows.filter((r) => r.township !== null && !TOWNSHIPS.includes(r.township)).map((r) => r.id), [], 'townships are among the 18');
  t.equal(new Set(rows.map((r) => r.unit)).size, owners.length, 'every unit and township owns at least one request');
  const s = score(rows, classifier);
  t.comment(
    `BLIND4 n=${s.n}: unit ${pct(s.unit)}, 即办 recall ${pct(s.urgentRecall)} (precision ${pct(s.urgentPrecision)}), ` +
      `category ${pct(s.category)}, manual dispatch ${pct(s.manualRate)}, auto-dispatch precision ${pct(s.autoPrecision)}`,
  );
  // Measured blind (written from 附件1 without reading the examples or the duty list, before any
  // tuning): unit 88.4%, top-3 95.2%, manual queue 15.3%, 即办 flagged 39/39 (37 paged at once).
  // Its misses then drove the coverage phrases and township examples of that round, so this is a
  // development figure (94.4% after), and since session 11 training data. Floors keep a small margin.
  t.ok(s.unit >= 0.92, `blind4 unit accuracy ${pct(s.unit)} >= 92%`);
  t.ok(s.flagRecall >= 0.97, `blind4 即办 flagged ${pct(s.flagRecall)} >= 97%`, { misses: s.misses });
  t.ok(s.urgentRecall >= 0.9, `blind4 即办 paged at once ${pct(s.urgentRecall)} >= 90%`);
});

for (const [file, label, minRows, floor] of [
  ['blind6.jsonl', 'blind6 (short requests)', 400, 0.86],
  ['blind6-long.jsonl', 'blind6-long (long messages, a quarter township-owned)', 200, 0.92],
  // Written after this round's changes, in varied voices: 77.9% with the session-7 classifier,
  // 82.9% (top-3 92.9%) with this one, measured once blind. Not yet used for error analysis.
  ['blind7.jsonl', 'blind7 (short requests, varied voices)', 400, 0.8],
] as const) {
  t.test(`${label}: measured once blind, training data since session 11`, async (t) => {
    const rows = readJsonl(file);
    const owners = [...UNITS, ...TOWNSHIPS];
    t.ok(rows.length >= minRows, `${rows.length} requests >= ${minRows}`);
    t.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'ids are unique');
    t.same(rows.filter((r) => !owners.includes(r.unit) || !r.acceptable.every((a) => owners.includes(a))).map((r) => r.id), [], 'exact unit or township names');
    t.equal(new Set(rows.map((r) => r.unit)).size, owners.length, 'every unit and township owns at least one request');
    const s = score(rows, classifier);
    const township = rows.filter((r) => TOWNSHIPS.includes(r.unit));
    const ts = score(township, classifier);
    t.comment(`${file} n=${s.n}: unit ${pct(s.unit)} (township-owned ${pct(ts.unit)} of ${ts.n}), 即办 recall ${pct(s.urgentRecall)} (precision ${pct(s.urgentPrecision)}), manual ${pct(s.manualRate)}`);
    // Measured blind, before any change made after reading them: blind6 84.0% (session-7 code),
    // 84.3% with the 属地 scoring written before the set arrived; blind6-long 93.6% / 94.1%.
    // Their misses then drove township stems, 属地 priors and coverage, so these became
    // development figures; since session 11 the short sets are training data (blind6-long is
    // not). The floors keep a small margin below them.
    t.ok(s.unit >= floor, `${file} unit accuracy ${pct(s.unit)} >= ${pct(floor)}`);
    t.ok(s.flagRecall >= 0.9, `${file} 即办 flagged ${pct(s.flagRecall)} >= 90%`, { misses: s.misses });
  });
}

t.test('learned models: evidence, reasons and where the examples come from', async (t) => {
  const c = classifier.classify('隔壁屋里一股怪味,老人躺着不动');
  t.ok(c.urgent, 'a danger in words no rule lists is flagged');
  t.ok(c.evidence.some((e) => e.startsWith('即办模型')), 'the 即办 model says which n-grams it weighed');
  if (c.urgentReasons.includes(MODEL_URGENT_REASON)) t.same(c.urgentReasons, [MODEL_URGENT_REASON], 'model reason only when no rule fired');
  const fire = classifier.classify('仓库那边着火了,烟很大,快来');
  t.notOk(fire.urgentReasons.includes(MODEL_URGENT_REASON), 'a rule that fires gives its own label');
  const unit = classifier.classify('我们村的脐橙树叶子发黄掉果,想请技术员来看看');
  t.ok(unit.evidence.some((e) => /模型\d+%/.test(e)), 'the unit model shows its posterior and n-grams');
  t.notOk(classifier.classify('喂喂,你好').urgent, 'a greeting carries no evidence of danger');

  const rulesOnly = createClassifier(dutyList, { examples: null });
  t.notOk(rulesOnly.classify('隔壁屋里一股怪味,老人躺着不动').evidence.some((e) => e.includes('模型')), 'examples: null is phrase rules only');
  const fromRows = createClassifier(dutyList, { examples: examples.slice(0, 400) });
  t.ok(fromRows.classify('小区门口垃圾堆了好几天没人清').unit !== null, 'examples can be passed in memory');

  // A toy list does not own the hotline's units: the examples are ignored rather than misread.
  const toy = parseDutyList(
    'version: 1\nunits:\n  甲局:\n    categories: [求助]\n    keywords: {路灯: 3}\n    examples: [路灯坏了, 路灯不亮]\ntownships:\n  甲镇: [甲村]\nurgent:\n  - id: fire\n    label: 火情\n    unit: 甲局\n    phrases: [着火]\n',
  );
  t.notOk(createClassifier(toy).classify('我家老头子一早出去到现在还没回来').urgent, 'foreign examples do not train a toy list');

  const bad = '{"text": "路灯坏了", "unit": "市城管局", "urgent": false}\nnot json\n{"text": "", "unit": "市城管局", "urgent": "yes"}\n';
  try {
    parseRoutingExamples(bad, 'bad.jsonl');
    t.fail('should reject');
  } catch (e) {
    t.ok(e instanceof AppError && e.code === 'routing_examples_invalid');
    t.match((e as Error).message, '3 处错误');
    t.match((e as Error).message, '第 2 行');
    t.match((e as Error).message, '第 3 行: text');
    t.match((e as Error).message, '第 3 行: urgent');
  }
  t.throws(() => createClassifier(dutyList, { examples: '/nonexistent/examples.jsonl' }), { code: 'routing_examples_unreadable' });
});

t.test('即办: every danger family fires, with its label and the unit that acts', async (t) => {
  const cases: [text: string, label: string, unit: string | null][] = [
    ['仓库那边着火了,烟很大,快来', '火情', '市消防救援大队'],
    ['厨房里煤气味很重,头有点晕', '燃气泄漏', '市住建局'],
    ['电梯卡在三楼和四楼中间,里面有两个人', '电梯困人', '市市场监管局'],
    ['有两个驴友被困在山上下不来了', '人员被困', '市消防救援大队'],
    ['水库边有人落水了', '溺水落水', '市消防救援大队'],
    ['建设路水管破裂了,水漫了一地', '供水主管爆裂', '润泉供水公司'],
    ['高压线断了掉在田里,还在冒火花', '电线掉落漏电', '供电公司'],
    ['山洪下来了,村口的小桥快冲垮了', '洪水险情', '市水利局'],
    ['地下通道积水很深,有辆车被淹了', '内涝积水', '市城管局'],
    ['隔壁老房子的墙倒了一半,还住着人', '房屋倒塌', '市住建局'],
    ['去瑞林的路边山体滑坡了,泥巴冲到路上', '山体滑坡塌方', '市自然资源局'],
    ['我女儿五岁,在商场走丢了', '人员走失', '市公安局'],
    ['有人持刀在街上追人', '暴力伤害', '市公安局'],
    ['我老公喝醉了又在家里打我', '暴力伤害', '市公安局'],
    ['工业园一个厂发生了爆炸', '爆炸', '市消防救援大队'],
    ['单位食堂吃完午饭后十几个人上吐下泻', '食物中毒', '市市场监管局'],
    ['十字路口两车相撞,有人受伤了', '交通事故伤人', '市公安局交管大队'],
    ['化工厂的储罐在泄漏,味道很刺鼻', '危化品泄漏', '市应急管理局'],
    ['五十多个农民工在项目部门口讨要工资', '群体讨薪', '市人社局'],
    ['一百多人把镇政府大门围住了', '群体性事件', '市公安局'],
    ['有个女的坐在桥栏杆上,说不想活了', '轻生', '市公安局'],
    ['路上有个老人晕倒了,叫不醒', '人员伤病急救', '市卫健委'],
    ['工地上的塔吊在大风里晃得厉害', '工地施工险情', '市住建局'],
    ['整个镇停电了,到现在没来电', '大面积停水停电', '供电公司'],
    ['楼上有人往下扔东西,差点砸到人', '高空坠物', null],
  ];
  for (const [text, label, unit] of cases) {
    const c = classifier.classify(text);
    t.ok(c.urgent, `即办: ${text}`);
    t.ok(c.urgentReasons.includes(label), `「${label}」 in ${JSON.stringify(c.urgentReasons)}: ${text}`);
    if (unit) t.equal(c.unit, unit, `acting unit for ${text}`);
  }
  // Still urgent, but the rule's unit (供电) does not outweigh a matter the text gives its owner:
  // the acting unit gets the model's weight only as far as the 即办 model agrees.
  const pole = classifier.classify('移动公司的信号塔线杆被大风吹歪了，线都垂到路上了');
  t.ok(pole.urgentReasons.includes('电线掉落漏电'));
  t.equal(pole.unit, '移动公司', 'a telecom line stays with its company');
  // Sparks from a fallen wire are the wire's: 冒火 runs on into 冒火花, the fire rule's exception.
  const sparks = classifier.classify('大风把电线杆吹倒了，电线掉在地上还在冒火花');
  t.ok(sparks.urgentReasons.includes('电线掉落漏电') && !sparks.urgentReasons.includes('火情'), JSON.stringify(sparks.urgentReasons));
  t.equal(sparks.unit, '供电公司');
});

t.test('即办: word families reach colloquial and dialect phrasings', async (t) => {
  const cases: [text: string, label: string][] = [
    ['我家老倌下午去放牛,到现在都冇回来', '人员走失'],
    ['细伢子在河边玩,一下不见人了', '人员走失'],
    ['闻到一股怪味,像是煤气', '燃气泄漏'],
    ['对面楼窗户一直往外冒黑烟', '火情'],
    ['有个人在天台上坐着不下来', '轻生'],
    ['一楼进水了,我婆婆腿脚不好走不了', '人员被困'],
  ];
  for (const [text, label] of cases) {
    const c = classifier.classify(text);
    t.ok(c.urgentReasons.includes(label), `「${label}」 in ${JSON.stringify(c.urgentReasons)}: ${text}`);
  }
  t.equal(normalizeText('佢屋里冇人,唔知'), '他屋里没人,不知', 'dialect characters fold one-to-one, offsets stay valid');
  t.notOk(classifier.classify('砖厂一直冒黑烟,晒的衣服都是灰').urgentReasons.includes('火情'), 'smoke from a factory is pollution');
  t.notOk(classifier.classify('塔吊上吊的钢管掉下来了').urgentReasons.includes('轻生'), '上吊 inside 塔吊上吊的 is not self-harm');
  // The rule must not read 被电子眼 as 被电; the 即办 model may still ask for a look (recall first).
  t.notOk(classifier.classify('我在路口被电子眼拍了').urgentReasons.includes('电线掉落漏电'), '被电子眼 is not an electric shock');
  t.equal(classifier.classify('绵江路一下雨就淹,水到小腿了').unit, '市城管局', '绵江路 is a street, not the river');
});

t.test('duty list lexicon: placeholders expand, mistakes are named', async (t) => {
  const base = `
version: 1
units:
  甲局:
    categories: [求助]
    keywords: {路灯: 3, 井盖: 2}
    examples: [路灯坏了, 井盖丢了]
townships:
  甲镇: [甲村, 甲路]
lexicon:
  child: [孩子, 细伢子]
  kin: ['{child}', 老人]
urgent:
  - id: missing
    label: 人员走失
    unit: 甲局
    patterns: ['{kin}.{0,6}不见了']
    except: [孩子不见了的事已经]
`;
  const list = parseDutyList(base, 'lex.yaml');
  const c = createClassifier(list);
  t.ok(c.classify('我家细伢子不见了').urgent, 'a word of an included family fires');
  t.ok(c.classify('隔壁老人不见了').urgent);
  t.notOk(c.classify('孩子不见了的事已经解决了').urgent, 'except applies to pattern matches too');
  t.ok(c.classify('孩子不见了的事已经解决了,但是弟弟的孩子不见了').urgent, 'except hides only its own occurrence');
  const bad = (yaml: string, fragment: string) => {
    try {
      parseDutyList(yaml, 'lex.yaml');
      t.fail(`should reject: ${fragment}`);
    } catch (e) {
      t.ok(e instanceof AppError && e.code === 'duty_list_invalid', 'AppError duty_list_invalid');
      t.match((e as Error).message, fragment, `message names ${fragment}`);
    }
  };
  bad(base.replace("'{kin}.{0,6}不见了'", "'{kids}.{0,6}不见了'"), '{kids}');
  bad(base.replace("kin: ['{child}', 老人]", "kin: ['{kin2}', 老人]"), '不存在的词族');
  bad(base.replace("child: [孩子, 细伢子]", "child: ['{kin}', 孩子]"), '循环引用');
  bad(base.replace('lexicon:', 'lexicon:\n  Bad-Name: [x]'), 'lexicon.Bad-Name');
});

t.test('即办: negation is not trusted, exceptions are narrow', async (t) => {
  t.ok(classifier.classify('好像没有着火,就是厨房一直在冒烟').urgent, 'a denied fire with smoke still fires');
  t.ok(classifier.classify('不知道是不是漏气,有点燃气味').urgent, 'a doubtful gas smell still fires');
  const chimney = classifier.classify('工厂烟囱冒烟,熏得人难受');
  t.notOk(chimney.urgentReasons.includes('火情'), 'a chimney is not a fire');
  t.equal(chimney.unit, '瑞金生态环境局');
  t.notOk(classifier.classify('请问社保卡丢了怎么补办').urgent, 'a question about a card is not urgent');
  t.notOk(classifier.classify('热水器打不着火了,售后不来修').urgentReasons.includes('火情'), '打不着火 is not a fire');
  t.ok(classifier.classify('烟囱冒烟的那个厂,后面仓库着火了').urgentReasons.includes('火情'), 'an exception only hides its own occurrence');
});

t.test('routing follows the duty list boundaries', async (t) => {
  const cases: [string, string][] = [
    ['旁边工地晚上一点还在打桩施工', '市城管局'],
    ['楼下广场舞音响开得太大了', '市公安局'],
    ['工厂的机器噪音日夜不停', '瑞金生态环境局'],
    ['村里有人占用耕地建房子', '市自然资源局'],
    ['小区里有人在楼顶违章搭建', '市城管局'],
    ['我们小区停水了,什么时候来水', '润泉供水公司'],
    ['家里停电了,供电所电话打不通', '供电公司'],
    ['包工头拖欠工资不给', '市人社局'],
    ['超市卖过期食品', '市市场监管局'],
    ['异地住院怎么报销医保', '瑞金医保分局'],
    ['有线电视没有信号了', '广电公司'],
  ];
  for (const [text, unit] of cases) t.equal(classifier.classify(text).unit, unit, text);
});

t.test('township and place from place names', async (t) => {
  const a = classifier.classify('叶坪村村口的路灯坏了');
  t.equal(a.township, '叶坪镇');
  t.equal(a.place, '叶坪村');
  const b = classifier.classify('我是象湖镇的,想问低保怎么申请');
  t.equal(b.township, '象湖镇');
  t.equal(b.place, null, 'naming only the township gives no place');
  const c = classifier.classify('金都社区门口天天有人摆摊');
  t.equal(c.township, '城市社区');
  const d = classifier.classify('幸福里小区门口垃圾没人清');
  t.equal(d.township, null, 'an unknown estate gives no township');
  t.equal(d.place, '幸福里小区', 'but is still kept as the place');
  const e = classifier.classify('从武阳到谢坊那段公路全是坑');
  t.equal(e.township, null, 'two townships named equally: no guess');
  // A village the list files under another township, named right after a township by the caller.
  const f = classifier.classify('我是瑞林镇大埠村的，村里的路灯坏了半年');
  t.same([f.township, f.place, f.unit], ['瑞林镇', '大埠村', '瑞林镇'], 'the township the caller names holds its village');
  t.equal(classifier.classify('大埠村的路灯坏了半年').township, '沙洲坝镇', 'the village alone is where the list files it');
  t.equal(classifier.classify('ＫＴＶ太吵了,在红都大道').township, '象湖镇', 'full-width input is normalised');
});

t.test('属地: matters inside a village or a 社区 go to the township or 城市社区, owned matters stay with their office', async (t) => {
  const local: [string, string][] = [
    ['黄柏那边我们村的祠堂门口晒谷坪被人圈起来了', '黄柏乡'], // the township named without 乡
    ['泽覃我们组的池塘承包给谁了从来不说', '泽覃乡'],
    ['武阳村里的路灯坏了', '武阳镇'],
    ['居委会的人说开证明要交钱,这合理吗', '城市社区'], // a 社区 matter, no community named
    ['九堡镇圩上有人占道摆摊', '九堡镇'], // outside the city a township keeps its own 集镇
    ['冈面乡集镇的路灯不亮了', '冈面乡'],
  ];
  for (const [text, unit] of local) t.equal(classifier.classify(text).unit, unit, text);
  t.equal(classifier.classify('黄柏那边我们村的祠堂门口晒谷坪被人圈起来了').township, '黄柏乡', 'a township stem is a place');
  const owned: [string, string][] = [
    ['叶坪村有人卖假农药', '市农业农村局'],
    ['壬田村有家小卖部卖过期食品', '市市场监管局'],
    ['沙洲坝那边有个黑诊所', '市卫健委'],
  ];
  for (const [text, unit] of owned) {
    const x = classifier.classify(text);
    t.equal(x.unit, unit, text);
    t.ok(x.suggestions.some((s) => TOWNSHIPS.includes(s.unit)), `${text}: the township stays a suggestion`);
  }
  // The urban seat's streets are 城管's: a lamp on 红都大道 is not 象湖镇's.
  t.equal(classifier.classify('红都大道的路灯坏了好几盏').unit, '市城管局');
  t.equal(classifier.classify('红都大道有人占道摆摊').unit, '市城管局');
});

t.test('a text with no matter in it gets no unit, whatever the model leans to', async (t) => {
  for (const text of ['你好,有个情况想说一下', '喂,你好', '在吗', '我要举报', '您好师傅,麻烦问一下']) {
    const x = classifier.classify(text);
    t.equal(x.unit, null, text);
    t.ok(x.needsManualDispatch, `${text}: an operator asks what it is about`);
  }
  t.equal(classifier.classify('你好,我想问一下社保卡怎么补办').unit, '市人社局', 'a matter after the greeting is read');
});

t.test('a matter the list does not name still gets the model\'s first suggestion, for the manual queue', async (t) => {
  // The CLI's `unit` is the top suggestion also when the ticket goes to the manual queue; a weak
  // model guess is the operator's first choice to confirm, not a dispatch.
  const x = classifier.classify('明年开春那个比赛几号报名');
  t.not(x.unit, null, 'a unit is suggested');
  t.equal(x.unit, x.suggestions[0]?.unit, 'the first suggestion');
  t.match(x.evidence[0], /模型\d+%/, 'from the model alone');
  t.ok(x.needsManualDispatch, 'an unsure model sends it to the manual queue');
  t.ok(x.confidence < 0.2, `confidence ${x.confidence}`);
});

t.test('the models read the kind of place, not its name: the same lamp is 城管\'s on a city road and the township\'s in a village', async (t) => {
  for (const text of ['象湖镇红都大道路灯全部不亮了', '八一路那边的路灯全部不亮了,晚上走路怕']) t.equal(classifier.classify(text).unit, '市城管局', text);
  const village = classifier.classify('黄柏乡中排村的路灯全部不亮了');
  t.equal(village.unit, '黄柏乡');
  t.ok(village.evidence.some((e) => e.includes('地点在村内')), `the model's reason names the place kind: ${village.evidence.join(' | ')}`);
  t.notOk(village.evidence.some((e) => e.includes('@')), 'no raw feature name is shown');
});

t.test('category from cue words', async (t) => {
  const cases: [string, string][] = [
    ['请问公积金怎么提取', '咨询'],
    ['我要投诉物业,电梯坏了一个月不修', '投诉'],
    ['举报有人在河里电鱼', '举报'],
    ['建议在人民广场多设几个公厕', '建议'],
    ['表扬一下供电所的师傅,半夜来抢修', '表扬'],
    ['求助,家里老人生病没人照顾,能不能帮帮忙', '求助'],
    ['有人被困在电梯里', '求助'],
  ];
  for (const [text, category] of cases) t.equal(classifier.classify(text).category, category, text);
  t.not(classifier.classify('麻烦尽快处理一下楼下的垃圾,谢谢').category, '表扬', 'a polite thank-you is not praise');
});

t.test('manual dispatch below the threshold, with suggestions', async (t) => {
  t.equal(classifier.threshold, DEFAULT_THRESHOLD);
  // 宽带 alone is shared by the carriers in the duty list; the labelled history sends most such
  // complaints to 电信 (8 of 11), and the model learned that. The operator still sees all three.
  const shared: Classification = classifier.classify('宽带老是断网');
  t.equal(shared.suggestions.length, 3);
  t.same(new Set(shared.suggestions.map((s) => s.unit)), new Set(['电信公司', '移动公司', '联通公司']));
  t.ok(shared.suggestions.every((s) => s.evidence.length > 0), 'each suggestion says why');
  const vague: Classification = classifier.classify('那个东西又坏了,你们管不管');
  t.ok(vague.evidence.every((e) => !e.includes('(+') || e.includes('模型')), 'only the model speaks');
  t.ok(vague.needsManualDispatch, 'nothing names a matter: the operator chooses');
  t.ok(vague.confidence < DEFAULT_THRESHOLD);

  const clear = classifier.classify('移动宽带老是断网');
  t.equal(clear.unit, '移动公司');
  t.notOk(clear.needsManualDispatch, 'naming the carrier settles it');
  t.ok(clear.confidence >= DEFAULT_THRESHOLD && clear.confidence <= 1);

  const nothing = classifier.classify('喂喂,你好');
  t.equal(nothing.unit, null);
  t.ok(nothing.needsManualDispatch);
  t.same(nothing.suggestions, []);
  t.equal(nothing.confidence, 0);

  const eager = createClassifier(dutyList, { threshold: 0 });
  t.notOk(eager.classify('路灯坏了').needsManualDispatch, 'threshold is configurable');
  const strict = createClassifier(dutyList, { threshold: 0.99 });
  t.ok(strict.classify('移动宽带老是断网').needsManualDispatch);
  t.throws(() => createClassifier(dutyList, { threshold: 1.5 }), RangeError);
});

t.test('duty list validation names the entry that is wrong', async (t) => {
  const good = `
version: 1
units:
  甲局:
    categories: [投诉]
    keywords: {路灯: 3, 井盖: 2}
    examples: [路灯坏了, 井盖丢了]
  乙公司:
    categories: [求助]
    keywords: {停水: 5}
    examples: [停水了, 没有水]
townships:
  甲镇: [甲村, 甲路]
urgent:
  - id: fire
    label: 火情
    unit: 甲局
    phrases: [着火]
`;
  const ok = parseDutyList(good, 'good.yaml');
  t.equal(ok.units.length, 2);
  t.equal(ok.units[0].keywords.get('路灯'), 3);

  const expectError = (yaml: string, fragments: string[], expect = {}) => {
    try {
      parseDutyList(yaml, 'bad.yaml', expect);
      t.fail(`should reject: ${fragments.join(' / ')}`);
    } catch (e) {
      t.ok(e instanceof AppError, 'AppError');
      const err = e as AppError;
      t.equal(err.kind, 'invalid');
      t.equal(err.code, 'duty_list_invalid');
      for (const f of fragments) t.match(err.message, f, `message names ${f}`);
    }
  };
  expectError(good.replace('路灯: 3', '路灯: -1'), ['units.甲局.keywords.路灯', '权重']);
  expectError(good.replace('路灯: 3', '灯: 3'), ['units.甲局.keywords.灯', '至少 2 个字']);
  expectError(good.replace('examples: [路灯坏了, 井盖丢了]', 'examples: [路灯坏了]'), ['units.甲局.examples', '至少需要 2 项']);
  expectError(good.replace('categories: [投诉]', 'categories: [吐槽]'), ['units.甲局.categories', '吐槽']);
  expectError(good.replace('unit: 甲局', 'unit: 丙局'), ['urgent[fire].unit', '丙局']);
  expectError(good.replace('phrases: [着火]', "patterns: ['(着火']"), ['urgent[fire].patterns[0]', '正则']);
  expectError(good.replace('甲镇: [甲村, 甲路]', '甲镇: [甲村, 甲路]\n  乙镇: [甲村]'), ['townships.乙镇', '甲村', '甲镇']);
  expectError(good.replace('    examples: [停水了, 没有水]', '    examples: [停水了, 没有水]\n    keyword: {水: 1}'), ['units.乙公司', '未知字段 "keyword"']);
  expectError(good, ['units: 缺少 "丙局"'], { units: ['甲局', '乙公司', '丙局'] });
  expectError(good, ['units.乙公司', '不在成员单位'], { units: ['甲局'] });
  expectError(good.replace('version: 1', 'version: 2'), ['version']);
  expectError('units: [unclosed', ['不是有效的 YAML']);
  // Several mistakes are reported together, so one edit round fixes them all.
  expectError(good.replace('路灯: 3', '路灯: 0').replace('unit: 甲局', 'unit: 丙局'), ['2 处错误', 'keywords.路灯', 'urgent[fire].unit']);
  t.throws(() => loadDutyList('/nonexistent/duty-list.yaml'), { code: 'duty_list_unreadable' });
});

t.test('the shipped unit model was trained on the shipped examples and duty list', async (t) => {
  // A changed duty list or example file makes the classifier train at every start (seconds);
  // rebuild config/routing-model.json with `npm run train:builtin`.
  t.ok(builtinRoutingModel(dutyList, loadBuiltinRouting()), 'config/routing-model.json matches; if not, run npm run train:builtin');
});

t.test('the shipped 即办 model is stored with the unit model, and is the one the shipped examples train', async (t) => {
  const shipped = builtinRoutingModel(dutyList, loadBuiltinRouting());
  t.ok(shipped?.urgency?.model, 'config/routing-model.json holds the 即办 model');
  // Trained here from the same examples (the stored one is skipped when examples are given).
  const fresh = createClassifier(dutyList, { examples, model: shipped! });
  t.same(fresh.urgencyState(), shipped!.urgency, 'same features, weights and bias');
  // The default classifier loads it instead of training: the same votes.
  for (const text of ['小区里闻到很浓的煤气味,楼道里都是', '我家楼上天天半夜装修', '河里有个小孩掉下去了']) {
    const a = classifier.classify(text);
    const b = fresh.classify(text);
    t.same([a.urgent, a.urgentCheck, a.urgentReasons, a.urgentCheckReasons], [b.urgent, b.urgentCheck, b.urgentReasons, b.urgentCheckReasons], text);
  }
});

/*
 * The development set (test/fixtures/classify/dev-long-*.jsonl): 412 long messages written the way
 * citizens write to a message board, over all 65 units and 18 townships, by writers who did not see
 * the training examples; the models are not trained on them. Coverage phrases were added for the
 * matters this set showed missing, so it is not fully blind either; the held-out sets are.
 */
t.test('development set of long messages: accuracy, townships, few 即办', async (t) => {
  for (const file of ['dev-long-a.jsonl', 'dev-long-b.jsonl']) {
    const rows = readFileSync(new URL(`../../fixtures/classify/${file}`, import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { text: string; title?: string; unit: string; acceptable: string[] });
    let ok = 0, town = 0, townOk = 0, urgent = 0;
    for (const r of rows) {
      const c = classifier.classify(r.title ? `${r.title}\n${r.text}` : r.text);
      const good = c.unit !== null && [r.unit, ...r.acceptable].includes(c.unit);
      if (good) ok++;
      if (TOWNSHIPS.includes(r.unit)) {
        town++;
        if (good) townOk++;
      }
      if (c.urgent) urgent++;
    }
    t.comment(`${file}: unit ${pct(ok / rows.length)}, township-owned ${townOk}/${town}, urgent ${urgent}/${rows.length}`);
    // Measured at commit: a 92.2%, b 94.7% (the rules and models before this work: 61.8%, 64.4%).
    t.ok(ok / rows.length >= 0.9, `${file} unit accuracy ${pct(ok / rows.length)} >= 90%`);
    t.ok(townOk / town >= 0.8, `${file} township-owned ${townOk}/${town} >= 80%`);
    t.ok(urgent / rows.length <= 0.05, `${file} ordinary long messages paged: ${urgent}/${rows.length} <= 5%`);
  }
});
