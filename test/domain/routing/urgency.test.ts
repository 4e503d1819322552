/**
 * 即办 in two levels (issue #17): `urgent` pages a duty person now, so it is kept for an acute,
 * present event; `urgentCheck` (待核实) is a possible danger an operator looks at first. Each
 * theme below was flagged urgent by the earlier recall-first rules (plain substrings, no context).
 */
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { createClassifier, loadDutyList } from '../../../adapters/fs-config/routing.js';

const classifier = createClassifier(loadDutyList());
const level = (text: string) => {
  const c = classifier.classify(text);
  return c.urgent ? 'urgent' : c.urgentCheck ? 'check' : 'none';
};
/** Each text is at most 待核实: nobody is paged at once for it. */
const neverPaged = (t: Test, texts: readonly string[]) => {
  for (const text of texts) t.not(level(text), 'urgent', text);
};

t.test('a risk is not an event: 待核实 at most', async (t) => {
  neverPaged(t, [
    '小区消防通道老是停满车，万一着火消防车根本进不来',
    '我们村后山那个坡很陡，下大雨容易滑坡，住在下面的几户人家很担心',
    '楼道里的电线老化了，怕会起火，物业一直不换',
    '学校门口的围墙有裂缝，存在安全隐患，希望尽快加固',
  ]);
});

t.test('single characters and over-broad words do not make an event', async (t) => {
  neverPaged(t, [
    '楼下烧烤店油烟太大了，熏得家里全是烟味，窗户都不敢开',
    '小区门口的下水道堵死了，污水流到路上好几天了',
    '有人天天往河边倒垃圾，臭气熏天',
    '我妈把身份证丢了，户口在老家，能在瑞金补办吗',
    '菜市场门口的摊贩把路堵住了，车都开不进去',
  ]);
});

t.test('danger words in a past or administrative matter', async (t) => {
  neverPaged(t, [
    '去年发洪水我家房子被淹了，救灾补助到现在还没发下来',
    '我被人打伤以后想申请法律援助，请问要什么材料',
    '新买的房子墙上裂了好几道缝，开发商说不是质量问题，要怎么维权',
    '上个季度我家田埂塌了一段，村里说要等统一修，到现在也没修',
    '前年隔壁着火烧了我家厨房，当时说好的赔偿一直没给',
  ]);
});

t.test('violence or health matters that are not acute', async (t) => {
  neverPaged(t, [
    '我儿子上周在学校被老师用尺子打了手心，想问问学校这样体罚对不对',
    '我长期被老公打，现在住在娘家，想咨询怎么申请人身安全保护令',
    '前几天被狗咬了，已经打了疫苗，想问狗主人要不要负责',
  ]);
});

t.test('很危险 as an adjective and routine service faults', async (t) => {
  neverPaged(t, [
    '人行道上电动车骑得飞快，真的很危险，希望交警管一管',
    '解放路口的红绿灯坏了三天了一直没修，过马路太危险了',
    '我们小区这个月已经停了四次电，每次都说是线路检修',
    '巷子里的污水井冒水好几天了，味道很大',
  ]);
});

t.test('negation, resolution and a 但是 that starts a new matter', async (t) => {
  t.equal(level('昨晚厨房油锅起火，自己用锅盖盖灭了，想问物业收灭火器的钱合不合理'), 'none');
  t.equal(level('前几天热水器漏气，师傅已经修好了，现在想投诉他们乱收费'), 'none');
  t.equal(level('孩子不见了的事已经解决了,但是弟弟的孩子不见了'), 'urgent');
  t.equal(level('好像没有着火,就是厨房一直在冒烟'), 'urgent', 'a denied fire with smoke now is still a fire');
});

t.test('acute events page at once, calm wording included', async (t) => {
  for (const text of [
    '三楼那户窗户往外冒黑烟，好像有人在里面喊',
    '楼道里一股很重的煤气味，谁家在漏气',
    '有两伙人在夜宵摊那里打起来了，有人拿着刀',
    '电梯卡在五楼和六楼中间，里面关着两个老人',
    '河堤有一段在往外渗浑水，越来越多',
    '隔壁的老人两天没开门了，门口有股怪味',
  ]) t.equal(level(text), 'urgent', text);
});

t.test('safety nets (请核实) and building damage wait for an operator unless something else says now', async (t) => {
  // Each of these fires only a (请核实) safety-net rule or a crack in a wall: a person reads it first.
  for (const text of [
    '跟团去购物店，导游说不买东西就不让走',
    '新分的安置房客厅墙上好几条裂缝，交房还不到两年',
  ]) t.equal(level(text), 'check', text);
  // A collapse under way, or a safety net with a present cue, still pages.
  for (const text of ['巷子里一栋老屋正在塌，里面还住着人', '隔壁土坯房的墙倒了，压到人了快来人']) t.equal(level(text), 'urgent', text);
});

t.test('almost, rumours, years ago, a card that is 卡在 somewhere: no page', async (t) => {
  neverPaged(t, [
    '两个组为了山林界线吵得差点打起来，请乡里来调解',
    '群里都在转发说水库要溃坝，是不是真的，别是造谣吧',
    '村口那口塘前几年淹死过一个细伢子，能不能装个护栏',
    '我在外地读书，社保卡在这边看病用不了',
    '楼顶漏水漏了半个月了还没人来修',
  ]);
  // Uncertainty about a present event is still an event: callers rarely say they are sure.
  t.equal(level('对面楼好像着火了，冒了好多黑烟，里面可能有人'), 'urgent');
});

t.test('time since, hyperbole, mistaken alarms and questions about a danger: no page', async (t) => {
  neverPaged(t, [
    '前年山洪冲断的那座木桥到现在还冇修好，细伢子上学要绕远路',
    '村里那段水泥路塌了个坑，报上去拖了大半年',
    '排队办个证排了三个钟头，真是急死人了',
    '这家超市的猪肉卖得跟抢钱一样，一斤要四十',
    '邻居家装修报警器一响，我们还以为着火了，能不能让他们提前说一声',
    '家里想装个燃气报警器，哪里能买到正规的，多少钱',
    '网上有视频说我们县医院出了人命被压下来了，官方能不能出来辟个谣',
    '我舅舅在外地回不来，他的养老认证能不能网上做',
  ]);
  // Time since matters where the time is the danger: someone gone since yesterday.
  t.equal(level('我爸昨天上午出去放牛，到现在还没回来，手机也打不通'), 'urgent');
});

t.test('the cue is said on the desk and in the ticket', async (t) => {
  const risk = classifier.classify('楼道里的电线老化了，怕会起火');
  t.ok(risk.urgentCheckReasons.some((r) => r.includes('火情') && r.includes('风险措辞(怕)')), JSON.stringify(risk.urgentCheckReasons));
  t.ok(risk.evidence.some((e) => e.startsWith('待核实「火情」')), 'the evidence line says 待核实 and the rule');
  const fire = classifier.classify('厨房着火了，火很大');
  t.ok(fire.evidence.some((e) => e.startsWith('即办「火情」')), 'and 即办 for an event');
});

/**
 * The labelled urgency set (test/fixtures/urgency/labelled.jsonl): 520 requests written apart
 * from the rules, about 5% 即办, with hard negatives for each theme and calm positives. It was
 * used to tune the context cues, so its figures are a development measure, not a held-out one.
 */
t.test('labelled urgency set: precision, recall and what is never dropped', async (t) => {
  const rows = readFileSync(new URL('../../fixtures/urgency/labelled.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { id: string; text: string; urgent: boolean; theme: string });
  t.ok(rows.length >= 500);
  const pos = rows.filter((r) => r.urgent);
  t.ok(pos.length / rows.length > 0.04 && pos.length / rows.length < 0.07, 'a realistic base rate');
  let tp = 0, flagged = 0, any = 0, checks = 0, checkTp = 0;
  const longOrdinary = rows.filter((r) => r.theme === 'long-ordinary');
  for (const r of rows) {
    const c = classifier.classify(r.text);
    if (c.urgent) flagged++;
    if (c.urgent && r.urgent) tp++;
    if (c.urgentCheck) checks++;
    if (c.urgentCheck && r.urgent) checkTp++;
    if (r.urgent && (c.urgent || c.urgentCheck)) any++;
  }
  const longUrgent = longOrdinary.filter((r) => classifier.classify(r.text).urgent).length;
  t.comment(`urgent: recall ${tp}/${pos.length}, precision ${tp}/${flagged}; 待核实: ${checks} (${checkTp} true); flagged at either level ${any}/${pos.length}; long ordinary posts urgent ${longUrgent}/${longOrdinary.length}`);
  // Measured at commit: recall 26/28, precision 26/32 (0.81), every 即办 flagged at either level.
  t.equal(any, pos.length, 'no 即办 is dropped: each is urgent or 待核实');
  t.ok(tp / pos.length >= 0.85, `urgent recall ${tp}/${pos.length} >= 0.85`);
  t.ok(tp / flagged >= 0.78, `urgent precision ${tp}/${flagged} >= 0.78`);
  t.ok(longUrgent / longOrdinary.length <= 0.05, `long ordinary posts paged: ${longUrgent}/${longOrdinary.length} <= 5%`);
});
