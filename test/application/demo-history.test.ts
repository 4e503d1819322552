/**
 * The demo's history (issue 20, item 3): about 60 days of sample tickets over every channel, state,
 * unit and township, built through the ticket service with an instant per event, so the rates, the
 * 回访 figures and the hotspot list come out of it; marked as demo data; deterministic; no timers
 * (nobody is paged or called for the past); seeded once per database. SQLite and PostgreSQL.
 */
import t from 'tap';
import { testApp } from '../helpers/app.js';
import type { Engine } from '../helpers/db.js';
import { DEMO_NOTE, seedDemoHistory } from '../../src/application/demo/history.js';
import { STATES, BASE_CHANNELS } from '../../src/domain/tickets/ticket.js';
import { loadUnits } from '../../adapters/fs-config/units.js';
import { loadDemoHistorySamples } from '../../adapters/fs-config/demo-data.js';

const NOW = '2026-12-07T06:00:00Z';
const ENGINES: Engine[] = ['sqlite', ...(process.env.SUBAN_TEST_PG_URL ? (['pg'] as const) : [])];
if (!process.env.SUBAN_TEST_PG_URL) t.comment('PostgreSQL variant skipped: SUBAN_TEST_PG_URL is not set');

async function seeded(t: { teardown(fn: () => unknown): void }, engine: Engine, days?: number) {
  const h = await testApp(t, { engine, now: NOW });
  const r = await seedDemoHistory({ ...h.ctx, samples: () => loadDemoHistorySamples() }, days ? { days } : {});
  const items = (await h.ctx.ticketStore.list({}, { limit: 5000 })).items;
  return { h, r, items };
}

for (const engine of ENGINES) {
  t.test(`${engine}: the history covers what the console shows`, async (t) => {
    const { h, r, items } = await seeded(t, engine);
    t.ok(r.seeded);
    t.equal(items.length, r.tickets, 'every ticket counted');
    t.ok(r.tickets >= 250 && r.tickets <= 450, `about 60 days of tickets (${r.tickets})`);
    const oldest = Math.min(...items.map((x) => x.createdAt.getTime()));
    t.ok(Date.parse(NOW) - oldest > 58 * 86400_000, 'reaching back about 60 days');
    t.ok(items.every((x) => x.createdAt.getTime() < Date.parse(NOW)), 'all in the past');

    const states = new Set(items.map((x) => x.state));
    // 已答复 (answered on first contact) belongs to the knowledge base's own demo seed.
    for (const s of STATES.filter((s) => s !== 'answered')) t.ok(states.has(s), `state ${s}`);
    const channels = new Set(items.map((x) => x.channel));
    // 网格员 reports (grid) belong to the grid feature's own demo seed.
    for (const c of BASE_CHANNELS.filter((c) => c !== 'grid')) t.ok(channels.has(c), `channel ${c}`);
    t.ok([...channels].some((c) => c.startsWith('platform:')), 'a platform of 附件2');
    const units = loadUnits();
    const owners = new Set(items.map((x) => x.unit));
    const townships = new Set(items.map((x) => x.township));
    t.same(units.filter((u) => u.sort < 200 && !owners.has(u.name)).map((u) => u.name), [], 'every member unit and township handled tickets');
    t.same(units.filter((u) => u.kind === 'township' && !townships.has(u.name)).map((u) => u.name), [], 'every township has tickets located in it');
    const results = new Set(items.map((x) => x.followUp?.satisfaction).filter(Boolean));
    for (const s of ['满意', '基本满意', '未回访']) t.ok(results.has(s as never), `回访 result ${s}`);
    const reopened = items.filter((x) => x.reopenCount > 0);
    t.ok(reopened.length >= 5, `不满意 → 重办 (${reopened.length})`);
    const firstRound = await h.ctx.ticketStore.events(reopened[0]!.id);
    t.ok(firstRound.some((e) => e.data.type === 'followed_up' && e.data.result.satisfaction === '不满意'), '不满意 on the record');
    t.ok(items.some((x) => x.reopenCount >= 2 && x.state !== 'closed'), 'a matter that keeps coming back');
    t.ok(items.some((x) => x.supervision === '督办'), '督办 on late tickets');

    // Marked as demo data, stepped through time.
    const sample = items.filter((_, i) => i % 37 === 0);
    for (const x of sample) {
      const events = await h.ctx.ticketStore.events(x.id);
      t.ok(events.some((e) => e.data.type === 'note' && e.data.text === DEMO_NOTE), `${x.number} carries the demo note`);
      for (let i = 1; i < events.length; i++) if (events[i]!.at < events[i - 1]!.at) t.fail(`${x.number}: events out of time order`);
      t.equal(x.number.slice(0, 8), new Date(x.createdAt.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, ''), `${x.number}: numbered on its own day`);
    }

    // The rates are computed from it like from real work.
    const month = await h.call('supervisor', 'GET', `/api/v1/stats/rates?groupBy=city&from=2026-10-08&to=2026-12-07`);
    t.equal(month.status, 200);
    const city = month.json.rows[0];
    t.ok(city.accepted > 200, `受理量 ${city.accepted}`);
    for (const k of ['response', 'closing', 'satisfaction']) t.ok(city[k].rate > 0.5 && city[k].rate < 1, `${k} rate ${city[k].rate}`);
    const byUnit = await h.call('supervisor', 'GET', `/api/v1/stats/rates?groupBy=township&from=2026-10-08&to=2026-12-07`);
    t.ok(byUnit.json.rows.length >= 18, 'a row per township');

    // Today's hotspot, found by the real scan.
    const hot = await h.call('supervisor', 'GET', '/api/v1/supervision/hotspots?status=open');
    t.equal(hot.status, 200);
    t.ok(hot.json.items.some((a: { title: string }) => /井盖/.test(a.title)), 'the manhole hotspot of today');
    t.ok(hot.json.items.some((a: { kind: string }) => a.kind === 'recurring'), 'the recurring 重办');

    // History sets no timers: nobody is paged, called or chased for the past.
    const ids = new Set(items.map((x) => x.id));
    const due = await h.ctx.jobs.list({ status: 'pending', limit: 100_000 });
    t.same(due.filter((j) => ids.has(String((j.payload as { ticketId?: string }).ticketId))).map((j) => j.kind), [], 'no job for a history ticket');

    t.same(await seedDemoHistory({ ...h.ctx, samples: () => loadDemoHistorySamples() }), { seeded: false, tickets: 0, ms: 0 }, 'once per database');
    t.equal((await h.ctx.ticketStore.list({}, { limit: 5000 })).items.length, items.length);
  });
}

t.test('deterministic: two fresh databases get the same history', async (t) => {
  // Twelve days are enough to show it (days are played side by side, the hotspot and extras included).
  const a = await seeded(t, 'sqlite', 12);
  const b = await seeded(t, 'sqlite', 12);
  t.ok(a.items.length > 50);
  const view = (xs: typeof a.items) => xs.map((x) => [x.number, x.unit, x.state, x.channel, x.township, x.content, x.followUp?.satisfaction ?? null].join('|')).sort();
  t.same(view(a.items), view(b.items));
});
