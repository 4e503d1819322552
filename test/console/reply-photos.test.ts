/**
 * A unit replies with photos (issue 20, item 9), in Chromium at 1366×768 and on a phone at 390×844:
 * the photo is scaled down in the browser (a 3000×2000 picture arrives as a JPEG of at most 1600 px),
 * the reply carries it, the timeline shows a thumbnail that opens the full photo, and something
 * that is not a picture is refused.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import { testApp } from '../helpers/app.js';
import { BROWSER, ensureConsoleBuilt, launch, login, workingMorning } from './browser.js';

const SHOTS = 'docs/screenshots';

/** Width and height from a JPEG's SOF marker. */
function jpegSize(b: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    const len = b.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  return null;
}

/** A 3000×2000 PNG drawn by the browser itself (a camera-sized picture). */
async function bigPicture(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 3000;
    c.height = 2000;
    const g = c.getContext('2d')!;
    g.fillStyle = '#6b8e23';
    g.fillRect(0, 0, 3000, 2000);
    g.fillStyle = '#ffd700';
    g.beginPath();
    g.arc(1500, 700, 400, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#333';
    g.fillRect(1450, 1100, 100, 900);
    return c.toDataURL('image/png').split(',')[1]!;
  });
  return Buffer.from(b64, 'base64');
}

for (const size of [
  { name: 'desk', viewport: { width: 1366, height: 768 }, mobile: false, shot: 'reply-photos.png' },
  { name: 'phone', viewport: { width: 390, height: 844 }, mobile: true, shot: 'phone-reply-photos.png' },
]) {
  t.test(`a unit replies with a photo (${size.name} ${size.viewport.width}×${size.viewport.height})`, { skip: BROWSER.skip }, async (t) => {
    await ensureConsoleBuilt();
    const mediaDir = mkdtempSync(join(tmpdir(), 'suban-reply-photos-'));
    t.teardown(() => rmSync(mediaDir, { recursive: true, force: true }));
    const h = await testApp(t, { now: workingMorning(), env: { SUBAN_COOKIE_SECURE: 'false' }, app: { mediaDir } });
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const browser: Browser = await launch();
    t.teardown(() => browser.close());
    const ticket = (await h.ctx.tickets.intake({ channel: 'phone', content: '解放路的路灯坏了好几天，晚上很黑', contact: '13907971001', unit: '市城管局' }, { id: 'op-1', role: 'operator', name: '话务员' }, 'console')).ticket;
    t.equal((await h.call('unitA', 'POST', `/api/v1/tickets/${ticket.id}/sign`)).status, 200, 'signed');

    const context = await browser.newContext({ baseURL: address, viewport: size.viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', isMobile: size.mobile, hasTouch: size.mobile });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    await login(page, 'unit-a');
    await page.goto(`/tickets/${ticket.id}`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('button', { name: '反馈办理结果' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('办理结果').fill('已更换灯具，当晚恢复照明，现场照片见附件。');

    const input = dialog.getByTestId('reply-photo-input');
    // Not a picture, whatever its name says: refused in the browser, nothing uploaded.
    await input.setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('<svg onload=alert(1)></svg>') });
    await dialog.getByText('不是可识别的图片').waitFor();
    t.equal(await dialog.locator('ul[aria-label="已选照片"] img').count(), 0, 'nothing added');

    const picture = await bigPicture(page);
    await input.setInputFiles({ name: 'scene.png', mimeType: 'image/png', buffer: picture });
    await dialog.locator('ul[aria-label="已选照片"] img').first().waitFor();
    t.match(await dialog.getByText(/现场照片（1\/6）/).innerText(), '1/6', 'counted against the limit of 6');
    const box = (await dialog.boundingBox())!;
    t.ok(box.width <= size.viewport.width, `the form fits the screen (${Math.round(box.width)} px)`);
    await dialog.getByRole('button', { name: '确认反馈办理结果' }).click();
    await dialog.waitFor({ state: 'detached' });

    const stored = (await h.ctx.ticketStore.get(ticket.id))!;
    t.equal(stored.state, 'replied', 'reply recorded');
    const photos = stored.attachments.filter((a) => a.url.startsWith('/api/v1/attachments/'));
    t.equal(photos.length, 1, 'the reply carries the photo');
    const replied = (await h.ctx.ticketStore.events(ticket.id)).find((e) => e.data.type === 'replied')!;
    t.same((replied.data as { attachments?: unknown[] }).attachments, photos, 'on the reply event');
    const files = readdirSync(join(mediaDir, 'attachments'));
    t.equal(files.length, 1, 'one file stored');
    const bytes = readFileSync(join(mediaDir, 'attachments', files[0]!));
    const dims = jpegSize(bytes);
    t.ok(files[0]!.endsWith('.jpg') && dims, 'sent as a JPEG');
    t.ok(dims && Math.max(dims.width, dims.height) === 1600, `scaled down in the browser to 1600 px (${dims?.width}×${dims?.height})`);
    t.ok(bytes.length < picture.length, `smaller than the picture (${bytes.length} < ${picture.length} bytes)`);

    // The timeline: a thumbnail that loads (the session may read the ticket) and opens the full photo.
    const thumb = page.locator('.timeline ul[aria-label="现场照片"] img').first();
    await thumb.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.timeline ul[aria-label="现场照片"] img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    const shown = await thumb.boundingBox();
    t.ok(shown && shown.width <= 80, `a thumbnail (${Math.round(shown?.width ?? 0)} px wide)`);
    await thumb.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, size.shot), fullPage: !size.mobile });
    const [full] = await Promise.all([context.waitForEvent('page'), thumb.click()]);
    const res = await full.waitForEvent('response', { predicate: (r) => r.url().includes('/api/v1/attachments/'), timeout: 5000 }).catch(() => null);
    await full.waitForLoadState();
    t.match(full.url(), /\/api\/v1\/attachments\/[0-9a-f-]{36}$/, 'opens the full photo');
    if (res) t.equal(res.headers()['content-type'], 'image/jpeg', 'the photo itself');
    const natural = await full.evaluate(() => document.querySelector('img')?.naturalWidth ?? 0);
    t.equal(natural, dims?.width, 'at its full size');
    await full.close();

    // Another unit's session may not fetch it.
    const other = await browser.newContext({ baseURL: address, viewport: size.viewport });
    const otherPage = await other.newPage();
    await login(otherPage, 'unit-b');
    const denied = await otherPage.request.get(photos[0]!.url);
    t.equal(denied.status(), 403, 'another unit: 403');
    await other.close();

    t.same(errors, [], 'no console error');
  });
}
