import t from 'tap';
import ExcelJS from 'exceljs';
import { ENGINES } from '../../../helpers/db.js';
import { testApp, type TestApp } from '../../../helpers/app.js';

/**
 * 考核规则 through the API: version 1 is SUBAN_KPI; an admin adds version 2 from March 2026
 * (咨询 no longer counted, 5 points off per 督办); January keeps version 1.
 *
 * Each month 市城管局 has T1 (求助: signed in time, replied, 回访 满意 → closed, one 督办 mark) and
 * T2 (咨询: signed a working day late, still open); Mondays 01-05 and 03-02.
 *  - January, version 1: 响应率 1/2, 按期办结率 1/2, 解决率 1, 满意率 1 → 0.2·0.5 + 0.3·0.5 + 0.2 + 0.3 = 75, nothing off.
 *  - March, version 2: only T1 counts → 100, less 5 for its 督办 → 95.
 */
async function month(h: TestApp, m: string, d1: string, d2: string) {
  const at = (s: string) => h.clock.set(new Date(`2026-${m}-${s}:00+08:00`).toISOString());
  const act = async (who: 'unitA' | 'operator' | 'supervisor', id: string, path: string, body?: unknown) => {
    const r = await h.call(who, 'POST', `/api/v1/tickets/${id}/${path}`, body ?? {});
    if (r.status !== 200) throw new Error(`${path}: ${r.body}`);
  };
  at(`${d1}T10:00`);
  const mk = async (category: string, contact: string) => (await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category, contact, content: '红都大道路灯不亮' })).json.ticket.id as string;
  const t1 = await mk('求助', `139000008${m}1`);
  const t2 = await mk('咨询', `139000008${m}2`);
  at(`${d1}T10:30`);
  await act('unitA', t1, 'sign');
  await act('supervisor', t1, 'supervise', { level: '督办', note: '群众反映强烈' });
  at(`${d1}T11:00`);
  await act('unitA', t1, 'reply', { reply: '已修复' });
  await act('operator', t1, 'followup', { satisfaction: '满意', solved: true });
  at(`${d2}T10:30`);
  await act('unitA', t2, 'sign');
}

for (const engine of ENGINES) {
  t.test(`考核规则 on ${engine}`, async (t) => {
    const h = await testApp(t, { engine, now: '2026-01-05T01:00:00Z' });
    await month(h, '01', '05', '06');

    await t.test('version 1 is SUBAN_KPI, in force from the start', async (t) => {
      const r = await h.call('supervisor', 'GET', '/api/v1/kpi-rules');
      t.equal(r.status, 200, r.body);
      t.equal(r.json.current, 1);
      t.equal(r.json.versions.length, 1);
      const v1 = r.json.versions[0];
      t.same(v1.createdBy, { id: 'system', name: 'SUBAN_KPI' });
      t.same(v1.rule.weights, { response: 0.2, closing: 0, closingOnTime: 0.3, solving: 0.2, satisfaction: 0.3 });
      t.same(v1.rule.formulas, h.ctx.kpi);
      t.equal((await h.call('unitA', 'GET', '/api/v1/kpi-rules')).status, 403);
    });

    h.clock.set('2026-03-01T02:00:00Z');
    const rule = { weights: { response: 0.2, closingOnTime: 0.3, solving: 0.2, satisfaction: 0.3 }, deductions: { supervised: { points: 5, cap: 10 } }, scope: { excludeCategories: ['咨询'] } };

    await t.test('only an admin adds a version, from this month on, with a reason', async (t) => {
      t.equal((await h.call('supervisor', 'POST', '/api/v1/kpi-rules', { effectiveFrom: '2026-03', reason: '年中调整', rule })).status, 403);
      const past = await h.call('admin', 'POST', '/api/v1/kpi-rules', { effectiveFrom: '2026-01', reason: '改一月', rule });
      t.equal(past.status, 400);
      t.equal(past.json.error.code, 'past_month');
      const bad = await h.call('admin', 'POST', '/api/v1/kpi-rules', { effectiveFrom: '2026-03', reason: 'x', rule: { deductions: { supervised: { points: -5 } } } });
      t.equal(bad.status, 400);
      t.equal(bad.json.error.code, 'bad_assessment_rule');
      t.match(bad.json.error.message, /deductions\.supervised\.points/);
      t.equal((await h.call('admin', 'POST', '/api/v1/kpi-rules', { effectiveFrom: '2026-03', reason: '', rule })).status, 400);
      t.equal((await h.call('admin', 'POST', '/api/v1/kpi-rules', { effectiveFrom: '2026-3', reason: 'x', rule })).status, 400);
      const ok = await h.call('admin', 'POST', '/api/v1/kpi-rules', { effectiveFrom: '2026-03', reason: '年中调整：咨询不计入，督办扣分', rule, expectedVersion: 1 });
      t.equal(ok.status, 201, ok.body);
      t.equal(ok.json.version.version, 2);
      t.same(ok.json.version.rule.deductions.supervised, { points: 5, cap: 10 });
      t.same(ok.json.version.rule.deductions.overdue, { points: 0, cap: null }, 'the rest from the rule in force');
      const stale = await h.call('admin', 'POST', '/api/v1/kpi-rules', { effectiveFrom: '2026-04', reason: '再调整', rule: {}, expectedVersion: 1 });
      t.equal(stale.status, 409, 'an edit made on an old version is refused, not lost');
      const list = await h.call('operator', 'GET', '/api/v1/kpi-rules');
      t.same(
        list.json.versions.map((v: { version: number; effectiveFrom: string; createdBy: { name: string }; reason: string }) => [v.version, v.effectiveFrom, v.createdBy.name]),
        [
          [1, '2000-01', 'SUBAN_KPI'],
          [2, '2026-03', 'adm'],
        ],
      );
      t.equal(list.json.current, 2);
      t.equal((await h.call('operator', 'GET', '/api/v1/kpi-rules/month/2026-02')).json.rule.version, 1);
      const audit = await h.ctx.audit.list('kpi-rules');
      t.equal(audit.length, 1, 'the save is audited');
      t.equal(audit[0]!.kind, 'kpi.rules.save');
      t.match(audit[0]!.data, { version: 2, effectiveFrom: '2026-03', reason: '年中调整：咨询不计入，督办扣分', before: { version: 1 } });
    });

    await month(h, '03', '02', '03');
    h.clock.set('2026-04-01T02:00:00Z');

    await t.test('the ranking of each month follows the rule of that month', async (t) => {
      const jan = await h.call('supervisor', 'GET', '/api/v1/stats/ranking?month=2026-01');
      t.same(jan.json.rule, { version: 1, effectiveFrom: '2000-01' });
      const a1 = jan.json.rows.find((r: { key: string }) => r.key === '市城管局');
      t.equal(a1.score, 75);
      t.equal(a1.figures.accepted, 2, 'January counts the 咨询');
      const mar = await h.call('supervisor', 'GET', '/api/v1/stats/ranking?month=2026-03');
      t.same(mar.json.rule, { version: 2, effectiveFrom: '2026-03' });
      const a3 = mar.json.rows.find((r: { key: string }) => r.key === '市城管局');
      t.equal(a3.figures.accepted, 1, 'March leaves the 咨询 out');
      t.equal(a3.assessment.rateScore, 100);
      t.equal(a3.score, 95, '5 points off for the 督办');
    });

    await t.test('综合考核 export: JSON, CSV and XLSX with Chinese headers', async (t) => {
      const j = await h.call('supervisor', 'GET', '/api/v1/stats/assessment?month=2026-03');
      t.equal(j.status, 200, j.body);
      t.equal(j.json.rule.version, 2);
      const row = j.json.rows.find((r: { unit: string }) => r.unit === '市城管局');
      t.equal(row.score, 95);
      t.same(
        row.deductions.find((d: { key: string }) => d.key === 'supervised'),
        { key: 'supervised', label: '督办', count: 1, perItem: 5, cap: 10, points: 5 },
      );
      const csv = await h.call('supervisor', 'GET', '/api/v1/stats/assessment?month=2026-03&format=csv');
      t.match(csv.headers['content-type'], /text\/csv/);
      const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n');
      const header = lines[0]!.split(',');
      t.same(header.slice(0, 6), ['排名', '承办单位', '考核得分', '三率得分', '扣分合计', '受理量']);
      t.ok(header.includes('响应率权重') && header.includes('满意率得分') && header.includes('督办数') && header.includes('督办扣分'));
      const cells = lines.find((l) => l.includes('市城管局'))!.split(',');
      t.equal(cells[header.indexOf('考核得分')], '95');
      t.equal(cells[header.indexOf('督办扣分')], '5');
      t.equal(cells[header.indexOf('响应率')], '100.00%');
      const jan = await h.call('supervisor', 'GET', '/api/v1/stats/assessment?month=2026-01&format=csv');
      const jh = jan.body.replace(/^\uFEFF/, '').split('\r\n');
      t.equal(jh.find((l) => l.includes('市城管局'))!.split(',')[jh[0]!.split(',').indexOf('考核得分')], '75', 'January keeps its score');
      const xl = await h.app.inject({ method: 'GET', url: '/api/v1/stats/assessment?month=2026-03&format=xlsx', headers: { authorization: `Bearer ${h.tokens.supervisor}` } });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xl.rawPayload as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      t.equal(ws.getRow(1).getCell(3).value, '考核得分');
      const unitRow = ws.getRows(2, ws.rowCount - 1)!.find((r) => r.getCell(2).value === '市城管局')!;
      t.equal(unitRow.getCell(3).value, 95);
      const mine = await h.call('unitA', 'GET', '/api/v1/stats/assessment?month=2026-03');
      t.same(
        mine.json.rows.map((r: { unit: string }) => r.unit),
        ['市城管局'],
        'a unit sees its own row',
      );
    });
  });
}
