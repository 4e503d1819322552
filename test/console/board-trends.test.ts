/**
 * Issue 20, item 8 and the flow graph of item 11, in Chromium against the demo's 60 days of history:
 * the board's 三率 trend lines are drawn with data (weekly, monthly, one unit), the township chart
 * and the map of located tickets render with no tiles configured, and no request leaves 127.0.0.1;
 * with a tiles URL (a loopback tile server) the map loads its tiles from there. The IVR flow graph
 * (dagre) has no two steps overlapping, and no edge label over a step.
 * SUBAN_SCREENSHOTS=1 writes docs/screenshots/board-trends.png, board-places.png, admin-flows.png
 * and phone-board-trends.png.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { seedDemoHistory } from '../../src/application/demo/history.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning, type WatchedPage } from './browser.js';
import { loadDemoHistorySamples } from '../../adapters/fs-config/demo-data.js';

// Seeding 60 days of history and three browser sessions take about two minutes on a 2-core machine.
t.setTimeout(420_000);
const SHOTS = process.env.SUBAN_SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url).pathname : null;
const DOM = { waitUntil: 'domcontentloaded' } as const;

/** Pixels of a canvas close to an RGB colour: a chart that drew its data has many. */
function colouredPixels(page: Page, testId: string, rgb: [number, number, number]): Promise<number> {
  return page.getByTestId(testId).evaluate((c, rgb) => {
    const canvas = c as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - rgb[0]) < 24 && Math.abs(data[i + 1]! - rgb[1]) < 24 && Math.abs(data[i + 2]! - rgb[2]) < 24 && data[i + 3]! > 200) n++;
    return n;
  }, rgb);
}

/** Every request the page makes, by URL. */
function recordRequests(w: WatchedPage): string[] {
  const urls: string[] = [];
  w.context.on('request', (r) => urls.push(r.url()));
  return urls;
}
const leaving = (urls: string[], address: string) => urls.filter((u) => /^(https?|wss?):/.test(u) && new URL(u).host !== new URL(address).host);

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) =>
  a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

t.test('board trends, places and the flow graph in Chromium', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const seeded = await seedDemoHistory({ ...h.ctx, samples: () => loadDemoHistorySamples() });
  t.ok(seeded.tickets > 250, `demo history seeded (${seeded.tickets} tickets)`);
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());

  // What the board will show, from the API: the lines have data and the map has points.
  const trend = (await h.call('supervisor', 'GET', '/api/v1/stats/trend?interval=week&periods=12')).json.points as { accepted: number; response: { rate: number | null } }[];
  t.ok(trend.filter((p) => p.accepted > 0).length >= 8, 'the demo fills at least 8 of the last 12 weeks');
  const monthStart = new Date(Date.parse(h.clock.now().toISOString()) + 8 * 3600_000).toISOString().slice(0, 7) + '-01';
  const places = (await h.call('supervisor', 'GET', `/api/v1/stats/places?from=${monthStart}`)).json as { points: { source: string }[]; townships: unknown[]; total: number };

  await t.test('三率 trend lines are drawn with data, weekly, monthly and for one unit', async (t) => {
    const sup = await watchedPage(browser, address);
    const urls = recordRequests(sup);
    await login(sup.page, 'sup');
    await sup.page.setViewportSize({ width: 1440, height: 900 });
    await sup.page.goto('/board', DOM);
    const card = sup.page.locator('section.trend-card');
    await card.getByTestId('trend-chart').waitFor();
    await sup.page.waitForTimeout(200);
    const blue = await colouredPixels(sup.page, 'trend-chart', [47, 111, 179]);
    const green = await colouredPixels(sup.page, 'trend-chart', [47, 158, 110]);
    const amber = await colouredPixels(sup.page, 'trend-chart', [208, 138, 30]);
    t.ok(blue > 150 && green > 150 && amber > 150, `three lines drawn (响应率 ${blue}, 办结率 ${green}, 满意率 ${amber} pixels)`);
    const rows = card.getByTestId('trend-table').locator('tbody tr');
    t.equal(await rows.count(), 12, 'twelve weeks');
    const cells = (await card.getByTestId('trend-table').locator('tbody td').allTextContents()).map((c) => c.trim());
    t.notOk(cells.some((c) => /NaN|undefined/.test(c)), 'no NaN in the table');
    t.ok(cells.filter((c) => /^\d+\.\d%$/.test(c)).length >= 20, 'rates in the table');
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await card.scrollIntoViewIfNeeded();
      await card.screenshot({ path: `${SHOTS}board-trends.png` });
    }

    await card.getByLabel('趋势周期').selectOption('month');
    // The weekly table's 12 rows are there until the monthly data arrives: wait for the seventh row
    // to go, then for the sixth to be there (counting at once raced the reload).
    await t.resolves(card.getByTestId('trend-table').locator('tbody tr').nth(6).waitFor({ state: 'detached' }), 'the weekly rows are gone');
    await t.resolves(card.getByTestId('trend-table').locator('tbody tr').nth(5).waitFor({ state: 'attached' }), 'six months');
    t.equal(await card.getByTestId('trend-table').locator('tbody tr').count(), 6);
    await card.getByLabel('趋势范围').selectOption('市城管局');
    await card.getByRole('heading', { name: '三率趋势（市城管局）' }).waitFor();
    await card.getByTestId('trend-chart').waitFor();
    await sup.page.waitForTimeout(200);
    t.ok((await colouredPixels(sup.page, 'trend-chart', [47, 111, 179])) > 100, 'the unit\'s lines are drawn');
    t.same(leaving(urls, address), [], 'no request leaves 127.0.0.1');
    t.same(sup.errors, [], 'no console errors');
    await sup.context.close();
  });

  await t.test('the township chart and the map render with no tiles, and nothing leaves 127.0.0.1', async (t) => {
    t.ok(places.points.length >= 5, `located tickets this month (${places.points.length} of ${places.total})`);
    t.ok(places.points.some((p) => p.source === 'open311') && places.points.some((p) => p.source === 'wechat'), 'from Open311 and from WeChat locations');
    const sup = await watchedPage(browser, address);
    const urls = recordRequests(sup);
    await login(sup.page, 'sup');
    await sup.page.setViewportSize({ width: 1440, height: 900 });
    await sup.page.goto('/board', DOM);
    const card = sup.page.locator('section.places-card');
    await card.getByTestId('township-chart').waitFor();
    await card.getByTestId('places-map').locator('.map-point').first().waitFor();
    await sup.page.waitForTimeout(200);
    t.ok((await colouredPixels(sup.page, 'township-chart', [47, 111, 179])) > 300, 'township bars drawn');
    t.equal(await card.getByTestId('places-map').locator('path.map-point').count(), places.points.length, 'one marker per located ticket');
    t.equal(await card.locator('.leaflet-tile').count(), 0, 'no tiles');
    t.ok((await card.locator('.map-township').count()) >= 5, 'township names on the plain map');
    await card.getByText('未配置地图底图').waitFor();
    const box = (await card.getByTestId('places-map').boundingBox())!;
    t.ok(box.width > 400 && box.height > 300, `the map has room (${Math.round(box.width)}×${Math.round(box.height)})`);
    // A marker opens its ticket's popup.
    await card.getByTestId('places-map').locator('path.map-point').last().click({ force: true });
    await card.locator('.leaflet-popup-content a').first().waitFor();
    t.match(await card.locator('.leaflet-popup-content a').first().innerText(), /^\d{8}-\d{4,}$/);
    if (SHOTS) {
      await card.scrollIntoViewIfNeeded();
      await card.screenshot({ path: `${SHOTS}board-places.png` });
    }
    t.same(leaving(urls, address), [], 'no request leaves 127.0.0.1');
    t.ok(urls.some((u) => u.includes('/api/v1/stats/places')), 'the places were asked for');
    t.same(sup.errors, [], 'no console errors');
    await sup.context.close();
  });

  await t.test('on a phone (390 px) the board shows the trend and the places', async (t) => {
    const unit = await watchedPage(browser, address);
    await unit.page.setViewportSize({ width: 390, height: 844 });
    await login(unit.page, 'sup');
    await unit.page.goto('/board', DOM);
    await unit.page.locator('section.trend-card').getByTestId('trend-chart').waitFor();
    await unit.page.locator('section.places-card').getByTestId('places-map').waitFor();
    const mapBox = (await unit.page.locator('section.places-card').getByTestId('places-map').boundingBox())!;
    t.ok(mapBox.width <= 390 && mapBox.width > 300, `the map fits the phone (${Math.round(mapBox.width)} px)`);
    if (SHOTS) {
      await unit.page.locator('section.trend-card').scrollIntoViewIfNeeded();
      await unit.page.screenshot({ path: `${SHOTS}phone-board-trends.png` });
    }
    t.same(unit.errors, [], 'no console errors');
    await unit.context.close();
  });

  await t.test('the IVR flow graph: no overlapping steps, no label over a step', async (t) => {
    const sup = await watchedPage(browser, address);
    await login(sup.page, 'sup');
    await sup.page.setViewportSize({ width: 1440, height: 900 });
    await sup.page.goto('/admin', DOM);
    await sup.page.getByRole('tab', { name: '语音流程' }).click();
    await sup.page.locator('svg.flow .flow-node').first().waitFor();
    const select = sup.page.locator('select').filter({ has: sup.page.locator('option[value="hotline"]') });
    const flows = (await select.count()) ? await select.first().locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)) : ['hotline'];
    t.ok(flows.length >= 1);
    for (const name of flows) {
      if (flows.length > 1) await select.first().selectOption(name);
      await sup.page.locator('svg.flow .flow-node').first().waitFor();
      // Boxes in the SVG's own coordinates: each rect's box moved by its group's translation.
      const boxes = await sup.page.locator('svg.flow').first().evaluate((svg) => ({
        nodes: Array.from(svg.querySelectorAll('.flow-node rect')).map((el) => {
          const b = (el as SVGGraphicsElement).getBBox();
          const m = (el as SVGGraphicsElement).getCTM()!;
          return { x: b.x + m.e, y: b.y + m.f, width: b.width, height: b.height, id: (el.closest('[data-step]') as HTMLElement | null)?.dataset.step ?? '' };
        }),
        labels: Array.from(svg.querySelectorAll('.flow-label rect')).map((el) => {
          const b = (el as SVGGraphicsElement).getBBox();
          const m = (el as SVGGraphicsElement).getCTM()!;
          return { x: b.x + m.e, y: b.y + m.f, width: b.width, height: b.height, id: el.parentElement?.textContent ?? '' };
        }),
        edges: svg.querySelectorAll('.flow-edge path').length,
        // Edges routed between the ranks: no edge runs through a step other than its own two ends.
        through: Array.from(svg.querySelectorAll('.flow-edge')).flatMap((g) => {
          const path = g.querySelector('path') as SVGPathElement;
          const ends = [(g as SVGGElement).dataset.from, (g as SVGGElement).dataset.to];
          const others = Array.from(svg.querySelectorAll('.flow-node'))
            .filter((n) => !ends.includes((n as SVGGElement).dataset.step))
            .map((n) => {
              const m = (n as SVGGraphicsElement).getCTM()!;
              const b = (n.querySelector('rect') as SVGGraphicsElement).getBBox();
              return { id: (n as SVGGElement).dataset.step!, x: b.x + m.e + 2, y: b.y + m.f + 2, w: b.width - 4, h: b.height - 4 };
            });
          const hits = new Set<string>();
          const len = path.getTotalLength();
          for (let d = 0; d <= len; d += 3) {
            const p = path.getPointAtLength(d);
            for (const o of others) if (p.x > o.x && p.x < o.x + o.w && p.y > o.y && p.y < o.y + o.h) hits.add(`${ends[0]}→${ends[1]} through ${o.id}`);
          }
          return [...hits];
        }),
      }));
      t.ok(boxes.nodes.length > 3, `${name}: ${boxes.nodes.length} steps, ${boxes.edges} edges, ${boxes.labels.length} labels`);
      const bad: string[] = [];
      for (let i = 0; i < boxes.nodes.length; i++) for (let j = i + 1; j < boxes.nodes.length; j++) if (overlaps(boxes.nodes[i]!, boxes.nodes[j]!)) bad.push(`${boxes.nodes[i]!.id} × ${boxes.nodes[j]!.id}`);
      t.same(bad, [], `${name}: no two steps overlap`);
      const covered: string[] = [];
      for (const l of boxes.labels) for (const n of boxes.nodes) if (overlaps(l, n)) covered.push(`${l.id} over ${n.id}`);
      t.same(covered, [], `${name}: no edge label over a step`);
      t.same(boxes.through, [], `${name}: no edge runs through another step`);
    }
    if (flows.length > 1) await select.first().selectOption(flows.includes('hotline') ? 'hotline' : flows[0]!);
    if (SHOTS) await sup.page.screenshot({ path: `${SHOTS}admin-flows.png` });
    t.same(sup.errors, [], 'no console errors');
    await sup.context.close();
  });
});

t.test('with SUBAN_MAP_TILES_URL the map loads its tiles from there (a loopback tile server)', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  // A 1×1 PNG for every tile.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const tiles: string[] = [];
  const server = createServer((req, res) => {
    tiles.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' }).end(png);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false', SUBAN_MAP_TILES_URL: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`, SUBAN_MAP_TILES_ATTRIBUTION: '测试底图' } });
  await seedDemoHistory({ ...h.ctx, samples: () => loadDemoHistorySamples() }, { days: 10 });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const sup = await watchedPage(browser, address);
  await login(sup.page, 'sup');
  await sup.page.goto('/board', DOM);
  const card = sup.page.locator('section.places-card');
  await card.locator('.leaflet-tile-loaded').first().waitFor();
  t.ok(tiles.length > 0 && tiles.every((u) => /^\/\d+\/\d+\/\d+\.png$/.test(u)), `tiles fetched from the tile server (${tiles.length})`);
  await card.getByText('测试底图').waitFor();
  t.equal(await card.getByText('未配置地图底图').count(), 0);
  t.same(sup.errors, [], 'no console errors (the CSP allows the tile origin)');
});
