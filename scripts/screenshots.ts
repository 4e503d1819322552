/**
 * Screenshots of the console's main pages at 1366×768 (and a unit's pages at 390×844, phone-*) into docs/screenshots/, taken from a
 * seeded in-memory server with a little realistic traffic (a waiting call, tickets in several
 * states, a 督办 mark, a running page, a roster). Run: `npx tsx scripts/screenshots.ts`.
 */
import { mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/composition/container.js';
import { createLogger } from '../src/logger.js';
import { FakeClock } from '../src/domain/clock.js';
import { WorkCalendar } from '../src/domain/sla/calendar.js';
import type { Principal, Role } from '../src/domain/policy.js';
import { seed } from '../src/application/seed.js';
import { buildApp } from '../src/web/app.js';
import { buildConsole } from './build-console.mjs';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const PASSWORD = 'correct-horse-1';

/** 10:30 Beijing on the next working day: office hours for the IVR, a live session cookie for the browser. */
function workingMorning(): string {
  const cal = new WorkCalendar();
  const now = new Date();
  for (let d = 1; d < 30; d++) {
    const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + d, 2, 30));
    if (cal.isWorkingTime(at)) return at.toISOString();
  }
  throw new Error('no working day found');
}

async function main() {
  await buildConsole({ quiet: true });
  const clock = new FakeClock(workingMorning());
  const config = loadConfig({ ...process.env, DATABASE_URL: 'sqlite::memory:', SUBAN_VOICE: 'sim', SUBAN_SMS: 'sim', SUBAN_COOKIE_SECURE: 'false', SUBAN_LOG_LEVEL: 'warn' });
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const ctx = await createContainer(config, createLogger('warn', quiet), { clock });
  await seed(ctx, false);
  const users: Record<string, Principal> = {};
  for (const [name, role, unit, display] of [
    ['op', 'operator', undefined, '王话务'],
    ['unit-a', 'unit', '市城管局', '李城管'],
    ['sup', 'supervisor', undefined, '赵督办'],
    ['adm', 'admin', undefined, '系统管理员'],
  ] as [string, Role, string | undefined, string][]) {
    const u = await ctx.auth.addUser({ name, role, unit, password: PASSWORD, displayName: display });
    users[name] = { id: u.id, name: display, role, unit: unit ?? null };
  }
  const app = await buildApp(ctx);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });

  // Traffic: tickets in several states.
  const op = users.op!;
  const unitA = users['unit-a']!;
  const texts = [
    '解放路的路灯坏了好几天，晚上很黑',
    '绵江路有人占道经营摆摊，影响通行',
    '红都大道人行道上的井盖松动，有人差点绊倒',
    '八一路夜市烧烤油烟很大，楼上住户受不了',
    '沙洲坝附近建筑工地晚上十一点还在施工，噪音扰民',
    '象湖镇某小区门口垃圾堆了三天没人清运',
  ];
  const made = [];
  for (const [i, content] of texts.entries()) {
    clock.advance(7 * 60_000);
    made.push((await ctx.tickets.intake({ channel: i % 3 === 0 ? 'wechat' : 'phone', content, contact: `1390797${String(1000 + i)}`, unit: '市城管局' }, { id: op.id, role: 'operator', name: op.name }, 'console')).ticket);
  }
  await ctx.tickets.intake({ channel: 'phone', content: '我家停水了，水管爆裂，水漫到楼道里', contact: '13807971234' }, { id: op.id, role: 'operator', name: op.name }, 'console');
  await ctx.tickets.sign(unitA, made[0]!.id);
  await ctx.tickets.sign(unitA, made[1]!.id);
  await ctx.tickets.reply(unitA, made[1]!.id, '已联系城管中队到场劝离，并设置禁止摆摊提示牌。');
  await ctx.tickets.sign(unitA, made[2]!.id);
  await ctx.tickets.supervise(users.sup!, made[3]!.id, '督办', '群众多次反映，请加快处理');
  await ctx.tickets.note(op, made[0]!.id, '来电人希望下午回电');

  const inject = async (who: Principal, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const token = await ctx.auth.issueToken(who.id);
    return app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  };
  // A roster and a running page for the duty screen.
  const start = new Date(clock.now().getTime() - 86400_000).toISOString().slice(0, 10);
  await inject(users.adm!, 'PUT', `/api/v1/duty/rosters/${encodeURIComponent('市城管局')}`, {
    members: [
      { id: 'm1', name: '刘强', phone: '13907970001' },
      { id: 'm2', name: '陈敏', phone: '13907970002' },
      { id: 'm3', name: '周杰', phone: null },
    ],
    rotation: { period: 'daily', handoff: '08:30', start, order: ['m1', 'm2', 'm3'], holidays: 'pass' },
  });
  await inject(op, 'POST', '/api/v1/duty/pages', { ticketId: made[4]!.id });
  await ctx.runner.runDue(5).catch(() => 0);

  const browser = await chromium.launch({ executablePath: process.env.SUBAN_CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  mkdirSync(OUT, { recursive: true });
  const shoot = async (page: Page, name: string, fullPage = false) => {
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}${name}.png`, fullPage });
    console.log(`docs/screenshots/${name}.png`);
  };
  const open = async (name: string, viewport = { width: 1366, height: 768 }) => {
    const context = await browser.newContext({ baseURL: base, viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...(viewport.width < 500 ? { isMobile: true, hasTouch: true } : {}) });
    const page = await context.newPage();
    await page.goto('/login', { waitUntil: 'domcontentloaded' });
    await page.getByLabel('用户名').waitFor();
    if (name === '') return page;
    await page.getByLabel('用户名').fill(name);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.locator('.live-dot.on').waitFor();
    return page;
  };

  const anon = await open('');
  await shoot(anon, 'login');

  const desk = await open('op');
  void ctx.simVoice!.placeInbound({ from: '13979712345', press: ['3'], say: '解放路的路灯坏了好几天，晚上很黑，老人出门不方便', holdMs: 60_000 }).catch(() => undefined);
  await desk.getByTestId('waiting-caller').first().waitFor();
  await desk.keyboard.press('F2');
  await desk.getByTestId('reasons').waitFor();
  await shoot(desk, 'desk');

  await desk.goto('/tickets', { waitUntil: 'domcontentloaded' });
  await desk.locator('table.grid').waitFor();
  await shoot(desk, 'tickets');
  await desk.goto(`/tickets/${made[1]!.id}`, { waitUntil: 'domcontentloaded' });
  await desk.locator('.timeline').waitFor();
  await shoot(desk, 'ticket-detail');
  await desk.goto('/duty', { waitUntil: 'domcontentloaded' });
  await desk.getByRole('heading', { name: /值班表/ }).waitFor();
  await desk.locator('table.grid').first().waitFor();
  await shoot(desk, 'duty');

  const unit = await open('unit-a');
  await unit.locator('.inbox').first().waitFor();
  await shoot(unit, 'inbox');

  const sup = await open('sup');
  await sup.getByRole('heading', { name: /各单位三率/ }).waitFor();
  await sup.waitForTimeout(500);
  await shoot(sup, 'board');

  const adm = await open('adm');
  await adm.getByRole('tab', { name: '语音流程' }).click();
  await adm.locator('svg.flow').waitFor();
  await shoot(adm, 'admin-flows');

  // A unit's duty person on a phone (390×844): the inbox, the folded menu open, a ticket, the duty view.
  const phone = await open('unit-a', { width: 390, height: 844 });
  await phone.locator('.inbox').first().waitFor();
  await shoot(phone, 'phone-inbox');
  await phone.getByRole('button', { name: '菜单' }).click();
  await shoot(phone, 'phone-menu');
  await phone.goto(`/tickets/${made[0]!.id}`, { waitUntil: 'domcontentloaded' });
  await phone.locator('.timeline').waitFor();
  await shoot(phone, 'phone-ticket', true);
  await phone.goto('/duty', { waitUntil: 'domcontentloaded' });
  await phone.getByRole('heading', { name: /值班表/ }).waitFor();
  await shoot(phone, 'phone-duty', true);

  await browser.close();
  await app.close();
  await ctx.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
