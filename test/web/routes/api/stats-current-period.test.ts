import t from 'tap';
import { ENGINES } from '../../../helpers/db.js';
import { testApp } from '../../../helpers/app.js';

/**
 * Issue 18, item 3: the running month's 三率 and ranking judge deadlines up to the present only.
 * Thursday 2026-12-03 10:00 (Shanghai): five 咨询 tickets dispatched to 市城管局, sign deadline 12:00,
 * reply deadline Tuesday 12-08 — both inside December, both still to come at 10:05.
 */
for (const engine of ENGINES) {
  t.test(`${engine}: a deadline that has not come is neither met nor missed`, async (t) => {
    const h = await testApp(t, { engine, now: '2026-12-03T02:00:00Z' });
    for (let i = 0; i < 5; i++) {
      const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category: '咨询', contact: `1390000060${i}`, content: `咨询垃圾清运时间 ${i}` });
      t.equal(r.status, 201);
    }
    h.clock.advance(5 * 60_000);

    const overdueList = await h.call('supervisor', 'GET', '/api/v1/tickets?overdue=true');
    t.equal(overdueList.json.items.length, 0, 'nothing overdue in the ticket list');

    const month = await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-12-01&to=2026-12-31&groupBy=city');
    t.equal(month.status, 200);
    const city = month.json.rows[0];
    t.equal(city.accepted, 5);
    t.same(city.response, { numerator: 0, denominator: 0, rate: null }, 'no sign obligation is due yet');
    t.equal(city.overdue, 0, 'no reply deadline has passed');

    const ranking = await h.call('supervisor', 'GET', '/api/v1/stats/ranking?month=2026-12');
    t.equal(ranking.status, 200);
    const unit = ranking.json.rows.find((r: { key: string }) => r.key === '市城管局');
    t.same(unit.figures.response, { numerator: 0, denominator: 0, rate: null }, 'the ranking judges the same way');
    t.equal(unit.figures.overdue, 0);

    // Past the sign deadline (12:00): now all five are missed, in both figures and in the ticket list.
    h.clock.set('2026-12-03T04:30:00Z');
    const later = (await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-12-01&to=2026-12-31&groupBy=city')).json.rows[0];
    t.same(later.response, { numerator: 0, denominator: 5, rate: 0 });
    t.equal(later.overdue, 0, 'the reply deadlines are still to come');
    t.equal((await h.call('supervisor', 'GET', '/api/v1/tickets?overdue=true')).json.items.length, 5);

    // Past the reply deadline (Tuesday 12-08 17:30): 超期 5, as the ticket list says.
    h.clock.set('2026-12-08T10:00:00Z');
    const late = (await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-12-01&to=2026-12-31&groupBy=city')).json.rows[0];
    t.equal(late.overdue, 5);
    const rankedLate = (await h.call('supervisor', 'GET', '/api/v1/stats/ranking?month=2026-12')).json.rows.find((r: { key: string }) => r.key === '市城管局');
    t.equal(rankedLate.figures.overdue, 5);
  });
}
