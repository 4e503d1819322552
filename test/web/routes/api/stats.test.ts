import t from 'tap';
import ExcelJS from 'exceljs';
import { ENGINES } from '../../../helpers/db.js';
import { testApp, type TestApp } from '../../../helpers/app.js';

/**
 * The fixture, all on Thursday 2026-11-26 (Shanghai), every ticket created and dispatched at
 * 10:00 with the sign deadline 12:00 (two working hours):
 *   T1 市城管局      signed 10:30, replied 11:00, 回访 满意 + 已解决 → closed
 *   T2 市城管局      signed 15:00 (late), replied 16:00, 回访 基本满意 + 已解决 → closed
 *   T3 市城管局      signed 10:30, replied 11:00, 回访 不满意 + 未解决 → 重办 (open)
 *   T4 市城管局      never signed (sign deadline missed), open
 *   T5 润泉供水公司  signed 10:30, replied 11:00, 未回访 → closed (not a valid answer)
 *
 * By hand, 市城管局: 受理 4; 响应率 2/4 (T2, T4 missed); 办结率 2/4; 按期办结率 2/4 (both
 * replied long before the reply deadline); 解决率 2/3; 满意率 (1 + 0.9 + 0)/3 = 0.6333; 重办 1;
 * 超期 0 (reply deadlines are in December); mean sign (30 + 300 + 30)/3 = 120 min; mean reply
 * (60 + 360 + 60)/3 = 160 min.
 * 润泉供水公司: 受理 1; 响应率 1/1; 办结率 1/1; 解决率 and 满意率 none (no valid 回访).
 * Whole city: 受理 5; 响应率 3/5; 办结率 3/5; 满意率 1.9/3.
 * Ranking (weights 0.2/0.3/0.2/0.3, rates without data left out): 润泉供水公司 100;
 * 市城管局 (0.2·0.5 + 0.3·0.5 + 0.2·2/3 + 0.3·0.6333)·100 = 57.33.
 */
async function fixture(h: TestApp) {
  const at = (hhmm: string) => h.clock.set(`2026-11-26T${String(Number(hhmm.slice(0, 2)) - 8).padStart(2, '0')}:${hhmm.slice(3)}:00Z`);
  at('10:00');
  const mk = async (unit: string, contact: string) => (await h.call('operator', 'POST', '/api/v1/tickets', { unit, category: '求助', contact, content: '象湖镇红都大道路灯不亮' })).json.ticket.id as string;
  const [t1, t2, t3, t4] = [await mk('市城管局', '13900000501'), await mk('市城管局', '13900000502'), await mk('市城管局', '13900000503'), await mk('市城管局', '13900000504')];
  const t5 = await mk('润泉供水公司', '13900000505');
  const act = (who: 'unitA' | 'unitB' | 'operator', id: string, path: string, body?: unknown) => h.call(who, 'POST', `/api/v1/tickets/${id}/${path}`, body);
  at('10:30');
  for (const id of [t1, t3]) await act('unitA', id, 'sign');
  await act('unitB', t5, 'sign');
  at('11:00');
  for (const id of [t1, t3]) await act('unitA', id, 'reply', { reply: '已修复' });
  await act('unitB', t5, 'reply', { reply: '已恢复供水' });
  await act('operator', t1, 'followup', { satisfaction: '满意', solved: true });
  await act('operator', t3, 'followup', { satisfaction: '不满意', solved: false, reason: '晚上还是不亮' });
  await act('operator', t5, 'followup', { satisfaction: '未回访' });
  at('15:00');
  await act('unitA', t2, 'sign');
  at('16:00');
  await act('unitA', t2, 'reply', { reply: '已修复' });
  await act('operator', t2, 'followup', { satisfaction: '基本满意', solved: true });
  at('18:00');
  return { t1, t2, t3, t4, t5 };
}

for (const engine of ENGINES) {
  t.test(`stats API on ${engine}`, async (t) => {
    const h = await testApp(t, { engine });
    await fixture(h);
    const Q = 'from=2026-11-01&to=2026-11-30';

    await t.test('rates per unit, worked out by hand', async (t) => {
      const r = await h.call('supervisor', 'GET', `/api/v1/stats/rates?${Q}&groupBy=unit`);
      t.equal(r.status, 200, r.body);
      t.equal(r.json.period.from, '2026-10-31T16:00:00.000Z');
      t.equal(r.json.period.to, '2026-11-30T16:00:00.000Z', '`to` is inclusive: up to the end of 11-30');
      const a = r.json.rows.find((x: { key: string }) => x.key === '市城管局');
      t.equal(a.accepted, 4);
      t.same([a.response.numerator, a.response.denominator], [2, 4]);
      t.same([a.closing.numerator, a.closing.denominator], [2, 4]);
      t.same([a.closingOnTime.numerator, a.closingOnTime.denominator], [2, 4]);
      t.same([a.solving.numerator, a.solving.denominator], [2, 3]);
      t.equal(a.satisfaction.rate.toFixed(4), '0.6333');
      t.same([a.satisfaction.satisfied, a.satisfaction.basicallySatisfied, a.satisfaction.dissatisfied], [1, 1, 1]);
      t.equal(a.reopened, 1);
      t.equal(a.overdue, 0);
      t.equal(a.avgSignMinutes, 120);
      t.equal(a.avgReplyMinutes, 160);
      const b = r.json.rows.find((x: { key: string }) => x.key === '润泉供水公司');
      t.equal(b.accepted, 1);
      t.equal(b.response.rate, 1);
      t.equal(b.closing.rate, 1);
      t.equal(b.satisfaction.rate, null, '未回访 gives no satisfaction figure');
      t.equal(b.solving.rate, null);
    });

    await t.test('whole city and per channel', async (t) => {
      const city = (await h.call('operator', 'GET', `/api/v1/stats/rates?${Q}&groupBy=city`)).json.rows;
      t.equal(city.length, 1);
      t.equal(city[0].label, '全市');
      t.same([city[0].accepted, city[0].response.numerator, city[0].response.denominator, city[0].closing.numerator], [5, 3, 5, 3]);
      t.equal(city[0].satisfaction.rate.toFixed(4), (1.9 / 3).toFixed(4));
      const ch = (await h.call('operator', 'GET', `/api/v1/stats/rates?${Q}&groupBy=channel`)).json.rows;
      t.same(ch.map((x: { key: string; label: string; accepted: number }) => [x.key, x.label, x.accepted]), [['web', '网站', 5]]);
    });

    await t.test('a past period is reproducible and empty before the tickets', async (t) => {
      const oct = await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-10-01&to=2026-10-31&groupBy=city');
      t.same(oct.json.rows, []);
    });

    await t.test('the boards over a period read [from, to] alike: the default month, `to` inclusive, one error', async (t) => {
      for (const board of ['rates', 'places', 'followup-coverage']) {
        const url = `/api/v1/stats/${board}`;
        const month = await h.call('supervisor', 'GET', url);
        t.same(month.json.period, { from: '2026-10-31T16:00:00.000Z', to: '2026-11-26T10:00:00.001Z' }, `${board}: this month up to now`);
        t.same((await h.call('supervisor', 'GET', `${url}?${Q}`)).json.period, { from: '2026-10-31T16:00:00.000Z', to: '2026-11-30T16:00:00.000Z' }, `${board}: to the end of 11-30`);
        const reversed = await h.call('supervisor', 'GET', `${url}?from=2026-11-30&to=2026-11-01`);
        t.same([reversed.status, reversed.json.error.code], [400, 'bad_period'], `${board}: reversed`);
        const bad = await h.call('supervisor', 'GET', `${url}?from=yesterday`);
        t.same([bad.status, bad.json.error.code], [400, 'bad_period'], `${board}: not a date`);
      }
    });

    await t.test('units see their own row only', async (t) => {
      const a = await h.call('unitA', 'GET', `/api/v1/stats/rates?${Q}&groupBy=township`);
      t.same(a.json.rows.map((x: { key: string }) => x.key), ['市城管局']);
      const b = await h.call('unitB', 'GET', `/api/v1/stats/ranking?month=2026-11`);
      t.same(b.json.rows.map((x: { key: string; rank: number }) => [x.key, x.rank]), [['润泉供水公司', 1]]);
      t.equal((await h.call(null, 'GET', `/api/v1/stats/rates?${Q}`)).status, 401);
    });

    await t.test('monthly ranking', async (t) => {
      const r = await h.call('supervisor', 'GET', '/api/v1/stats/ranking?month=2026-11');
      t.same(
        r.json.rows.map((x: { key: string; rank: number; score: number }) => [x.rank, x.key, x.score]),
        [
          [1, '润泉供水公司', 100],
          [2, '市城管局', 57.33],
        ],
      );
    });

    await t.test('CSV export with Chinese headers', async (t) => {
      const r = await h.call('supervisor', 'GET', `/api/v1/stats/rates?${Q}&groupBy=unit&format=csv`);
      t.equal(r.status, 200);
      t.match(String(r.headers['content-type']), /text\/csv/);
      t.match(String(r.headers['content-disposition']), /filename\*=UTF-8''/);
      t.ok(r.body.startsWith('\uFEFF'), 'BOM for Excel');
      const lines = r.body.slice(1).trim().split('\r\n').map((l) => l.split(','));
      t.same(lines[0].slice(0, 7), ['承办单位', '受理量', '响应率', '办结率', '按期办结率', '解决率', '满意率']);
      t.ok(lines[0].includes('重办数') && lines[0].includes('延期申请') && lines[0].includes('退单'));
      const a = lines.find((l) => l[0] === '市城管局')!;
      t.same(a.slice(0, 7), ['市城管局', '4', '50.00%', '50.00%', '50.00%', '66.67%', '63.33%']);
      const b = lines.find((l) => l[0] === '润泉供水公司')!;
      t.same(b.slice(5, 7), ['', ''], 'no figure is an empty cell, not 0%');
    });

    await t.test('XLSX export read back with exceljs', async (t) => {
      const res = await h.app.inject({ method: 'GET', url: `/api/v1/stats/rates?${Q}&groupBy=unit&format=xlsx`, headers: { authorization: `Bearer ${h.tokens.supervisor}` } });
      t.equal(res.statusCode, 200);
      t.match(String(res.headers['content-type']), /spreadsheetml/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const ws = wb.worksheets[0];
      const header = (ws.getRow(1).values as unknown[]).slice(1);
      t.same(header.slice(0, 7), ['承办单位', '受理量', '响应率', '办结率', '按期办结率', '解决率', '满意率']);
      const row = [2, 3].map((i) => (ws.getRow(i).values as unknown[]).slice(1)).find((v) => v[0] === '市城管局')!;
      t.same(row.slice(0, 3), ['市城管局', 4, 0.5], 'rates are numbers');
      t.equal(ws.getColumn(3).numFmt, '0.00%', 'shown as percentages');
      const rank = await h.app.inject({ method: 'GET', url: '/api/v1/stats/ranking?month=2026-11&format=xlsx', headers: { authorization: `Bearer ${h.tokens.admin}` } });
      const wb2 = new ExcelJS.Workbook();
      await wb2.xlsx.load(rank.rawPayload as unknown as ArrayBuffer);
      t.same((wb2.worksheets[0].getRow(1).values as unknown[]).slice(1, 4), ['排名', '承办单位', '综合得分']);
    });
  });
}
