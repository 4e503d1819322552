/**
 * The console over plain HTTP on an intranet name (http://suban.intranet, as a city's hotline office
 * reaches it), in real headless Chromium: the name is mapped to loopback by Chromium's host resolver
 * rules, so the browser treats it as an ordinary, non-localhost http origin. With an http public URL
 * the CSP has no upgrade-insecure-requests, so the console's scripts load and the login page renders
 * (not the static 正在加载…) and an operator signs in. The https control shows what the test guards
 * against: the same page with the upgrade directive never gets past 正在加载….
 */
import t from 'tap';
import type { Browser } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

const HOST = 'suban.intranet';

t.test('the console loads over plain http on a non-localhost name', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const browser: Browser = await launch([`--host-resolver-rules=MAP ${HOST} 127.0.0.1`]);
  t.teardown(() => browser.close());

  await t.test('http public URL: the login page renders and an operator signs in', async (t) => {
    const h = await testApp(t, { now: workingMorning(), env: { SUBAN_PUBLIC_URL: `http://${HOST}` } });
    const port = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' })).port;
    const base = `http://${HOST}:${port}`;
    const op = await watchedPage(browser, base);
    t.teardown(() => op.context.close());
    const res = await op.page.goto('/login', { waitUntil: 'domcontentloaded' });
    t.equal(new URL(res!.url()).origin, base, 'served from the intranet name over http');
    t.notMatch(res!.headers()['content-security-policy'] ?? '', /upgrade-insecure-requests/, 'no upgrade-insecure-requests');
    t.equal(res!.headers()['strict-transport-security'], undefined, 'no HSTS');
    await op.page.getByLabel('用户名').waitFor({ timeout: 5000 });
    t.equal(await op.page.getByText('正在加载…').count(), 0, 'the login form, not 正在加载…');
    await login(op.page, 'op');
    t.equal(new URL(op.page.url()).pathname, '/desk', 'signed in over http: the desk with its live socket');
    t.same(op.errors, [], 'no console errors');
  });

  await t.test('control: an https public URL keeps upgrade-insecure-requests, which strands the page', async (t) => {
    const h = await testApp(t, { env: { SUBAN_PUBLIC_URL: `https://${HOST}`, SUBAN_COOKIE_SECURE: 'false' } });
    const port = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' })).port;
    const op = await watchedPage(browser, `http://${HOST}:${port}`);
    t.teardown(() => op.context.close());
    const res = await op.page.goto('/login', { waitUntil: 'load' });
    t.match(res!.headers()['content-security-policy'] ?? '', /upgrade-insecure-requests/, 'https keeps the directive');
    t.ok(res!.headers()['strict-transport-security'], 'https keeps HSTS');
    await op.page.waitForTimeout(300);
    t.equal(await op.page.getByText('正在加载…').count(), 1, 'the scripts were fetched over https and failed: still 正在加载…');
    t.equal(await op.page.getByLabel('用户名').count(), 0, 'no login form');
  });
});
