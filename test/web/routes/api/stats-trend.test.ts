import t from 'tap';
import { ENGINES } from '../../../helpers/db.js';
import { testApp, type TestApp } from '../../../helpers/app.js';
import { Open311Store } from '../../../../src/application/platforms/open311.js';
import { trendPeriods } from '../../../../src/application/supervision/trends.js';

/**
 * Issue 20, item 8: 三率 over time and places. The series is the board's own figures per period:
 * the running week and month equal /stats/rates over the same days; a week without tickets is 0 and
 * has no rates (null), never NaN. Open311 coordinates are kept on the ticket and shown as points.
 *
 * Now: Wednesday 2026-12-09 10:00 Shanghai. Tickets on Tuesday 11-10 (week of 11-09), none in the
 * week of 11-16, some on Tuesday 12-01 (week of 11-30) and on Monday 12-07 (this week).
 */
const NOW = '2026-12-09T02:00:00Z';

type Ratio = { numerator: number; denominator: number; rate: number | null };
interface Point {
  key: string;
  label: string;
  from: string;
  to: string;
  current: boolean;
  accepted: number;
  response: Ratio;
  closing: Ratio;
  satisfaction: Ratio;
}

/** One ticket's life from `at`: dispatched to `unit`, optionally signed, replied and followed up. */
async function life(h: TestApp, at: string, unit: 'unitA' | 'unitB', steps: { sign?: boolean; reply?: boolean; satisfaction?: '满意' | '不满意' }, n: number) {
  h.clock.set(at);
  const unitName = unit === 'unitA' ? '市城管局' : '润泉供水公司';
  const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit: unitName, category: '求助', contact: `1390000${String(7000 + n)}`, content: `测试工单 ${n}：${unitName === '市城管局' ? '路灯不亮' : '停水'}` });
  if (r.status !== 201) throw new Error(`intake ${r.status} ${r.body}`);
  const id = r.json.ticket?.id ?? r.json.id;
  if (steps.sign) {
    h.clock.advance(30 * 60_000);
    const s = await h.call(unit, 'POST', `/api/v1/tickets/${id}/sign`);
    if (s.status !== 200) throw new Error(`sign ${s.status} ${s.body}`);
  }
  if (steps.reply) {
    h.clock.advance(3 * 3600_000);
    const s = await h.call(unit, 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已处理完毕，问题已解决。' });
    if (s.status !== 200) throw new Error(`reply ${s.status} ${s.body}`);
  }
  if (steps.satisfaction) {
    h.clock.advance(24 * 3600_000);
    const s = await h.call('operator', 'POST', `/api/v1/tickets/${id}/followup`, { satisfaction: steps.satisfaction, solved: steps.satisfaction === '满意' });
    if (s.status !== 200) throw new Error(`follow-up ${s.status} ${s.body}`);
  }
  return id as string;
}

t.test('trend periods: Monday weeks and calendar months, the running one ends with today (Shanghai)', async (t) => {
  const weeks = trendPeriods('week', 3, new Date(NOW));
  t.same(
    weeks.map((p) => [p.key, p.from.toISOString(), p.to.toISOString(), p.current]),
    [
      ['2026-11-23', '2026-11-22T16:00:00.000Z', '2026-11-29T16:00:00.000Z', false],
      ['2026-11-30', '2026-11-29T16:00:00.000Z', '2026-12-06T16:00:00.000Z', false],
      ['2026-12-07', '2026-12-06T16:00:00.000Z', '2026-12-09T16:00:00.000Z', true],
    ],
  );
  const months = trendPeriods('month', 14, new Date(NOW));
  t.equal(months[0]!.key, '2025-11', 'a year back and more, across the new year');
  t.equal(months[1]!.key, '2025-12');
  t.equal(months[2]!.key, '2026-01');
  t.equal(months[13]!.to.toISOString(), '2026-12-09T16:00:00.000Z');
  // Sunday late evening in Shanghai is still the same week.
  t.equal(trendPeriods('week', 1, new Date('2026-12-13T15:59:00Z'))[0]!.key, '2026-12-07');
  t.equal(trendPeriods('week', 1, new Date('2026-12-13T16:00:00Z'))[0]!.key, '2026-12-14');
});

for (const engine of ENGINES) {
  t.test(`${engine}: 三率 per week and month, the current period equal to the board's figures`, async (t) => {
    const h = await testApp(t, { engine, now: '2026-11-10T01:00:00Z' });
    let n = 0;
    // Week of 11-09: three for 市城管局 (two satisfied, one not) and one for 润泉供水公司, never signed.
    await life(h, '2026-11-10T01:00:00Z', 'unitA', { sign: true, reply: true, satisfaction: '满意' }, n++);
    await life(h, '2026-11-10T01:10:00Z', 'unitA', { sign: true, reply: true, satisfaction: '满意' }, n++);
    await life(h, '2026-11-10T01:20:00Z', 'unitA', { sign: true, reply: true, satisfaction: '不满意' }, n++);
    await life(h, '2026-11-10T01:30:00Z', 'unitB', {}, n++);
    // Week of 11-30: two, signed, one replied.
    await life(h, '2026-12-01T01:00:00Z', 'unitA', { sign: true, reply: true }, n++);
    await life(h, '2026-12-01T01:30:00Z', 'unitB', { sign: true }, n++);
    // This week: Monday 12-07, one signed, one left.
    await life(h, '2026-12-07T01:00:00Z', 'unitA', { sign: true }, n++);
    await life(h, '2026-12-07T02:00:00Z', 'unitB', {}, n++);
    h.clock.set(NOW);

    const res = await h.call('supervisor', 'GET', '/api/v1/stats/trend?interval=week&periods=6');
    t.equal(res.status, 200, res.body);
    const points: Point[] = res.json.points;
    t.same(
      points.map((p) => p.key),
      ['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30', '2026-12-07'],
    );
    t.same(
      points.map((p) => p.accepted),
      [0, 4, 0, 0, 2, 2],
    );
    t.notOk(res.body.includes('NaN'), 'no NaN anywhere in the series');
    const empty = points[2]!;
    t.same([empty.response, empty.closing, empty.satisfaction], [{ numerator: 0, denominator: 0, rate: null }, { numerator: 0, denominator: 0, rate: null }, { numerator: 0, denominator: 0, rate: null }], 'a week with no tickets: 0 and no rate');
    const nov9 = points[1]!;
    t.equal(nov9.satisfaction.denominator, 3, 'three 回访 answers in the week of 11-09');
    t.equal(nov9.satisfaction.rate, 2 / 3);
    t.equal(nov9.closing.denominator, 4);
    t.ok(nov9.response.denominator >= 4, 'every sign obligation of the week is counted');

    // The running week and month are exactly the board's figures for the same days.
    const weekRates = (await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-12-07&to=2026-12-09&groupBy=city')).json.rows[0];
    const cur = points[5]!;
    t.equal(cur.current, true);
    t.same([cur.accepted, cur.response, cur.closing, cur.satisfaction], [weekRates.accepted, weekRates.response, weekRates.closing, { numerator: weekRates.satisfaction.numerator, denominator: weekRates.satisfaction.denominator, rate: weekRates.satisfaction.rate }]);
    t.equal(cur.accepted, 2);

    const months = await h.call('supervisor', 'GET', '/api/v1/stats/trend?interval=month&periods=2');
    t.equal(months.status, 200);
    const [nov, dec] = months.json.points as Point[];
    t.same([nov!.key, dec!.key], ['2026-11', '2026-12']);
    const monthRates = (await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-12-01&to=2026-12-09&groupBy=city')).json.rows[0];
    t.same([dec!.accepted, dec!.response, dec!.closing], [monthRates.accepted, monthRates.response, monthRates.closing], 'the running month equals the board');
    const novRates = (await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-11-01&to=2026-11-30&groupBy=city')).json.rows[0];
    t.same([nov!.accepted, nov!.response, nov!.closing, nov!.satisfaction.rate], [novRates.accepted, novRates.response, novRates.closing, novRates.satisfaction.rate], 'a past month equals the board over that month');
    t.equal(nov!.accepted, 4);

    // One unit: its row of the board (byUnit).
    const unit = await h.call('supervisor', 'GET', `/api/v1/stats/trend?interval=month&periods=1&unit=${encodeURIComponent('润泉供水公司')}`);
    t.equal(unit.status, 200);
    const unitRow = (await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-12-01&to=2026-12-09&groupBy=unit')).json.rows.find((r: { key: string }) => r.key === '润泉供水公司');
    t.same([unit.json.points[0].accepted, unit.json.points[0].response, unit.json.points[0].closing], [unitRow.accepted, unitRow.response, unitRow.closing]);
    t.equal(unit.json.unit, '润泉供水公司');

    // A unit user gets its own unit whatever it asks for.
    const own = await h.call('unitA', 'GET', `/api/v1/stats/trend?interval=month&periods=1&unit=${encodeURIComponent('润泉供水公司')}`);
    t.equal(own.status, 200);
    t.equal(own.json.unit, '市城管局');
    t.equal((await h.call('supervisor', 'GET', `/api/v1/stats/trend?unit=${encodeURIComponent('没有的单位')}`)).json.error.code, 'unknown_unit');
    t.equal((await h.call('supervisor', 'GET', '/api/v1/stats/trend?interval=day')).status, 400);
    t.equal((await h.call('supervisor', 'GET', '/api/v1/stats/trend?periods=0')).status, 400);
    t.equal((await h.call(null, 'GET', '/api/v1/stats/trend')).status, 401);
  });

  t.test(`${engine}: places — Open311 coordinates kept on the ticket, townships counted as the board counts them`, async (t) => {
    const h = await testApp(t, { engine, now: '2026-12-08T02:00:00Z' });
    const apiKey = await new Open311Store(h.ctx.state, () => h.clock.now()).registerClient('fixmystreet-rj');
    const post = (body: Record<string, string>) => h.app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ api_key: apiKey, ...body }).toString() });
    const a = await post({ service_code: 'streetlight', description: '象湖镇红都大道与八一路交叉口路灯不亮', lat: '25.891500', long: '116.031200' });
    t.equal(a.statusCode, 200, a.body);
    const b = await post({ service_code: 'streetlight', description: '壬田镇圩镇路灯不亮', lat: '26.03', long: '116.04' });
    t.equal(b.statusCode, 200);
    const c = await post({ service_code: 'streetlight', description: '叶坪镇路灯不亮', address_string: '叶坪镇红军广场' });
    t.equal(c.statusCode, 200);
    await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category: '求助', contact: '13900007777', content: '沙洲坝镇路灯不亮', township: '沙洲坝镇' });

    const number = a.json()[0].service_request_id;
    const ticket = (await h.call('supervisor', 'GET', `/api/v1/tickets?q=${number}`)).json.items[0];
    t.same(ticket.location, { lat: 25.8915, lng: 116.0312, source: 'open311' }, 'the coordinates are on the ticket');
    const stored = await h.ctx.tickets.getByNumber(number);
    t.same(stored?.location, { lat: 25.8915, lng: 116.0312, source: 'open311' }, 'and in the store, after a reload');

    const res = await h.call('supervisor', 'GET', '/api/v1/stats/places?from=2026-12-01&to=2026-12-08');
    t.equal(res.status, 200, res.body);
    t.equal(res.json.total, 4);
    t.equal(res.json.points.length, 2, 'two tickets carry coordinates');
    t.same(res.json.points.map((p: { lat: number; lng: number }) => [p.lat, p.lng]).sort(), [[25.8915, 116.0312], [26.03, 116.04]]);
    t.equal(res.json.tiles, null, 'no tiles by default');
    const board = (await h.call('supervisor', 'GET', '/api/v1/stats/rates?from=2026-12-01&to=2026-12-08&groupBy=township')).json.rows;
    const fromBoard = Object.fromEntries(board.filter((r: { accepted: number }) => r.accepted > 0).map((r: { key: string; accepted: number }) => [r.key, r.accepted]));
    t.same(Object.fromEntries(res.json.townships.map((r: { township: string; accepted: number }) => [r.township, r.accepted])), fromBoard, 'township counts are the board\'s 受理量 by township');
    t.equal(res.json.townships.reduce((s: number, r: { accepted: number }) => s + r.accepted, 0), 4);

    // A unit sees its own tickets only.
    const water = await h.call('unitB', 'GET', '/api/v1/stats/places?from=2026-12-01&to=2026-12-08');
    t.equal(water.status, 200);
    t.same([water.json.total, water.json.points.length, water.json.townships.length], [0, 0, 0]);
    t.equal((await h.call('supervisor', 'GET', '/api/v1/stats/places?from=2026-12-08&to=2026-12-01')).status, 400);
  });

  t.test(`${engine}: the tiles setting reaches the map and the CSP`, async (t) => {
    const h = await testApp(t, { engine, env: { SUBAN_MAP_TILES_URL: 'http://tiles.intranet:8080/{z}/{x}/{y}.png', SUBAN_MAP_TILES_ATTRIBUTION: '© 测试瓦片' } });
    const res = await h.call('supervisor', 'GET', '/api/v1/stats/places');
    t.same(res.json.tiles, { url: 'http://tiles.intranet:8080/{z}/{x}/{y}.png', attribution: '© 测试瓦片' });
    t.match(String(res.headers['content-security-policy']), /img-src 'self' data: http:\/\/tiles\.intranet:8080/);
  });
}

t.test('SUBAN_MAP_TILES_URL must be a tile template', async (t) => {
  const { loadConfig, tilesOrigin } = await import('../../../../src/config.js');
  t.throws(() => loadConfig({ SUBAN_MAP_TILES_URL: 'ftp://x/{z}/{x}/{y}.png' }), /SUBAN_MAP_TILES_URL/);
  t.throws(() => loadConfig({ SUBAN_MAP_TILES_URL: 'http://tiles.intranet/tile.png' }), /\{z\}, \{x\} and \{y\}/);
  t.equal(loadConfig({}).mapTiles.url, '');
  t.equal(tilesOrigin('https://{s}.tiles.example.cn/{z}/{x}/{y}.png'), 'https://*.tiles.example.cn');
  t.equal(tilesOrigin(''), null);
});
