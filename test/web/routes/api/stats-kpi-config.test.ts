import t from 'tap';
import { testApp } from '../../../helpers/app.js';
import { loadConfig } from '../../../../src/config.js';

t.test('rate formulas come from the configuration (SUBAN_KPI)', async (t) => {
  t.throws(() => loadConfig({ SUBAN_KPI: '{not json' }), /SUBAN_KPI/);
  for (const [weight, expected] of [
    [undefined, 0.9],
    [0.5, 0.5],
  ] as const) {
    const h = await testApp(t, { env: weight === undefined ? {} : { SUBAN_KPI: JSON.stringify({ satisfactionWeights: { 基本满意: weight } }) } });
    const { json } = await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13700001111', content: '我们小区停水两天了', unit: '润泉供水公司', category: '求助' });
    const id = json.ticket.id;
    await h.call('unitB', 'POST', `/api/v1/tickets/${id}/sign`);
    await h.call('unitB', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已恢复供水' });
    const fu = await h.call('operator', 'POST', `/api/v1/tickets/${id}/followup`, { satisfaction: '基本满意', solved: true });
    t.equal(fu.json.ticket.state, 'closed');
    const r = await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-11-01&to=2026-11-30&groupBy=city');
    t.equal(r.status, 200, r.body.slice(0, 200));
    const text = JSON.stringify(r.json);
    t.ok(text.includes(`"rate":${expected}`), `满意率 is ${expected} with 基本满意 weighted ${weight ?? 'by default'}`);
  }
});
