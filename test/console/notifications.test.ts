/**
 * Notifications (issue 20, item 5) in Chromium: a desktop notification for a new screen pop (the
 * desk), a new 待签收 ticket (a unit), and a banner while the live connection is down that goes
 * once it is back. The browser's Notification is replaced by a recorder (headless Chromium shows
 * none), with the permission granted.
 */
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, watchedPage, workingMorning } from './browser.js';

const RECORDER = `
  window.__notes = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, opts) { window.__notes.push({ title, body: (opts && opts.body) || '' }); }
  };
`;
const notes = (page: Page) => page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes);
async function until(f: () => Promise<boolean>, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('notifications and the connection banner', { skip: BROWSER.skip }, async (t) => {
  await ensureConsoleBuilt();
  const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' } });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  // The server's end of every live socket, to cut them.
  const sockets = new Set<{ destroy(): void }>();
  h.app.server.on('upgrade', (_req: unknown, socket: { destroy(): void }) => sockets.add(socket));
  const browser: Browser = await launch();
  t.teardown(() => browser.close());
  const op = await watchedPage(browser, address);
  const unit = await watchedPage(browser, address);
  await op.context.addInitScript(RECORDER);
  await unit.context.addInitScript(RECORDER);
  await login(op.page, 'op');
  await login(unit.page, 'unit-a');

  const call = h.ctx.simVoice!.placeInbound({ from: '13800005001', press: ['3'], say: '路灯坏了', holdMs: 10_000 });
  call.catch(() => undefined);
  await until(async () => (await notes(op.page)).some((n) => n.title === '新来电' && n.body.includes('13800005001')), 'a 新来电 notification');
  t.pass('the desk is told of the new call');

  const r = await h.call('operator', 'POST', '/api/v1/tickets', { content: '解放路路灯坏了', contact: '13800005002', unit: '市城管局' });
  await until(async () => (await notes(unit.page)).some((n) => n.title === '新工单待签收' && n.body.includes(r.json.ticket.number)), 'a 新工单待签收 notification');
  t.pass('the unit is told of the new ticket');
  t.notOk((await notes(op.page)).some((n) => n.title === '新工单待签收'), 'the desk is not told of a unit matter');

  // The connection drops and cannot come back until the network does.
  await unit.context.setOffline(true);
  for (const s of sockets) s.destroy();
  const banner = unit.page.getByTestId('live-down');
  await banner.waitFor({ timeout: 5000 });
  t.match(await banner.innerText(), /实时连接已中断/);
  await unit.context.setOffline(false);
  await banner.waitFor({ state: 'detached', timeout: 15_000 });
  t.pass('the banner goes when the connection is back');
  t.same(unit.errors.filter((e) => !/WebSocket|ERR_INTERNET_DISCONNECTED|net::/.test(e)), [], 'no console error');
});
