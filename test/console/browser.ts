/**
 * Helpers for the console's browser tests: a fresh build when the sources changed, Debian's
 * Chromium driven by playwright-core, and pages that record every console error.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildConsole, CONSOLE_DIR, DIST_DIR } from '../../scripts/build-console.mjs';
import { WorkCalendar } from '../../src/domain/sla/calendar.js';
import { prereq } from '../helpers/prereqs.js';

/** Chromium (SUBAN_CHROMIUM, `chromium` on PATH or /usr/bin/chromium); `skip` says what to install when missing. */
export const BROWSER = prereq('chromium');
export const CHROMIUM = BROWSER.path ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 1366, height: 768 };

function newestMtime(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return max;
}

/** Builds console/dist when it is missing or older than its sources. */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = join(DIST_DIR, 'index.html');
  // The build script counts too: how it bundles (the lazy chunks) changes what the tests load.
  const script = fileURLToPath(new URL('../../scripts/build-console.mjs', import.meta.url));
  const sources = Math.max(newestMtime(join(CONSOLE_DIR, 'src')), statSync(join(CONSOLE_DIR, 'styles.css')).mtimeMs, statSync(join(CONSOLE_DIR, 'index.html')).mtimeMs, statSync(script).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  await buildConsole({ quiet: true });
}

/**
 * The service's clock for a browser test: a working morning (10:30 Beijing) after today. The
 * browser runs on real time, so the session cookie the fake clock stamps must not have expired
 * already, and the IVR must see office hours to queue a call for an operator.
 */
export function workingMorning(from = new Date()): string {
  const cal = new WorkCalendar();
  for (let d = 1; d < 30; d++) {
    const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + d, 2, 30));
    if (cal.isWorkingTime(at)) return at.toISOString();
  }
  throw new Error('no working day within 30 days');
}

/** extraArgs: more Chromium switches for one test, e.g. `--host-resolver-rules=MAP suban.intranet 127.0.0.1` */
export function launch(extraArgs: readonly string[] = []): Promise<Browser> {
  // a test that does not skip with BROWSER.skip still fails with what to install, not playwright's error
  if (BROWSER.skip) return Promise.reject(new Error(BROWSER.skip));
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', ...extraArgs],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** console errors and uncaught exceptions, in order */
  errors: string[];
}

export async function watchedPage(browser: Browser, baseURL: string): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL, viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()} pageerror: ${e.message}`));
  return { page, context, errors };
}

/** Signs in through the login form and waits for the role's start page. */
export async function login(page: Page, name: string, password = 'correct-horse-1'): Promise<void> {
  await page.goto('/login', { waitUntil: 'domcontentloaded' });
  await page.getByLabel('用户名').fill(name);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  // live sockets up: the status dot says so
  await page.locator('.live-dot.on').waitFor({ timeout: 5000 });
}
