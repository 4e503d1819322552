import { mkdtempSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ENGINES } from '../../../helpers/db.js';
import { testApp } from '../../../helpers/app.js';
import { MAX_PHOTO_BYTES } from '../../../../src/application/attachments/service.js';

/** Issue 20, item 9: a unit replies with photos; only whoever may read the ticket fetches them. */

/** 1×1 PNG */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 1)]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x20, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(40, 2)]);

for (const engine of ENGINES) {
  t.test(`reply photos on ${engine}`, async (t) => {
    const mediaDir = mkdtempSync(join(tmpdir(), 'suban-photos-'));
    const h = await testApp(t, { engine, app: { mediaDir } });
    const created = await h.call('operator', 'POST', '/api/v1/tickets', { content: '红都大道路灯不亮，晚上很黑', contact: '13812345678' });
    t.equal(created.status, 201, 'created');
    const id = created.json.ticket.id as string;
    t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${id}/dispatch`, { unit: '市城管局' })).status, 200);
    t.equal((await h.call('unitA', 'POST', `/api/v1/tickets/${id}/sign`)).status, 200);
    const upload = (who: 'unitA' | 'unitB' | 'operator', data: string | Buffer) => h.call(who, 'POST', '/api/v1/attachments', { data: typeof data === 'string' ? data : data.toString('base64') });

    let ids: string[] = [];
    await t.test('upload: JPEG, PNG and WebP by their bytes; anything else or too big is a 4xx in the one error shape', async (t) => {
      const png = await upload('unitA', `data:image/png;base64,${PNG.toString('base64')}`);
      t.equal(png.status, 201, 'uploaded');
      t.match(png.json, { id: /^[0-9a-f-]{36}$/, url: `/api/v1/attachments/${png.json.id}`, type: 'image/png', bytes: PNG.length });
      const jpg = await upload('unitA', JPEG);
      t.equal(jpg.json.type, 'image/jpeg');
      const webp = await upload('unitA', WEBP);
      t.equal(webp.json.type, 'image/webp');
      ids = [png.json.id, jpg.json.id, webp.json.id];
      t.same(readdirSync(join(mediaDir, 'attachments')).sort(), [`${ids[0]}.png`, `${ids[1]}.jpg`, `${ids[2]}.webp`].sort(), 'stored under <media>/attachments');

      // A script that claims to be a PNG: the bytes decide, not the data: URL's type.
      const liar = await upload('unitA', `data:image/png;base64,${Buffer.from('<svg onload=alert(1)>xxxxxxxxxxxxxxx</svg>').toString('base64')}`);
      t.equal(liar.status, 400);
      t.same(Object.keys(liar.json.error).sort(), ['code', 'message']);
      t.equal(liar.json.error.code, 'bad_photo');
      t.equal((await upload('unitA', 'not base64 at all!!!')).json.error.code, 'bad_photo');
      const big = await upload('unitA', Buffer.concat([JPEG, Buffer.alloc(MAX_PHOTO_BYTES)]));
      t.equal(big.status, 413, 'too big');
      t.equal(big.json.error.code, 'photo_too_large');
      t.equal((await h.call(null, 'POST', '/api/v1/attachments', { data: PNG.toString('base64') })).status, 401);
    });

    await t.test('before the reply only the uploader may fetch a photo', async (t) => {
      const own = await h.app.inject({ method: 'GET', url: `/api/v1/attachments/${ids[0]}`, headers: { authorization: `Bearer ${h.tokens.unitA}` } });
      t.equal(own.statusCode, 200);
      t.equal(own.headers['content-type'], 'image/png');
      t.ok(own.rawPayload.equals(PNG), 'the bytes uploaded');
      const other = await h.call('unitB', 'GET', `/api/v1/attachments/${ids[0]}`);
      t.equal(other.status, 403);
      t.equal(other.json.error.code, 'forbidden');
      t.equal((await h.call('supervisor', 'GET', `/api/v1/attachments/${ids[0]}`)).status, 403, 'not yet on a ticket');
      t.equal((await h.call('unitA', 'GET', '/api/v1/attachments/00000000-0000-0000-0000-000000000000')).status, 404);
      t.equal((await h.call('unitA', 'GET', '/api/v1/attachments/..%2f..%2fsuban.db')).status, 404);
      for (const url of [`/media/attachments/${ids[0]}.png`, `/media/Attachments/${ids[0]}.png`, `/media//attachments/${ids[0]}.png`, `/media/grid/../attachments/${ids[0]}.png`]) {
        const media = await h.call('unitB', 'GET', url);
        t.ok(media.status >= 400 && media.status < 500, `the private store is not served by /media/ (${url}: ${media.status})`);
      }
    });

    await t.test('a reply carries its photos: only the uploader’s own, at most 6', async (t) => {
      const other = await upload('unitB', PNG);
      const foreign = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已修复', attachmentIds: [other.json.id] });
      t.equal(foreign.status, 400, 'a photo another user uploaded');
      t.equal(foreign.json.error.code, 'unknown_attachment');
      const seven = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已修复', attachmentIds: Array.from({ length: 7 }, (_, i) => `00000000-0000-0000-0000-00000000000${i}`) });
      t.equal(seven.status, 400, 'seven photos');
      t.equal((await h.call('unitA', 'GET', `/api/v1/tickets/${id}`)).json.ticket.state, 'handling', 'nothing was replied');

      const r = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已更换路灯灯泡，现场照片见附件', attachmentIds: ids });
      t.equal(r.status, 200, r.json?.error?.message ?? 'replied');
      t.equal(r.json.ticket.state, 'replied');
      t.same(
        r.json.ticket.attachments.filter((a: { url: string }) => a.url.startsWith('/api/v1/attachments/')),
        ids.map((x) => ({ kind: 'image', url: `/api/v1/attachments/${x}` })),
      );
      const events = (await h.call('supervisor', 'GET', `/api/v1/tickets/${id}/events`)).json.events;
      const replied = events.find((e: { type: string }) => e.type === 'replied');
      t.same(
        replied.data.attachments.map((a: { url: string }) => a.url.split('/').at(-1)),
        ids,
        'the reply event carries the photo ids',
      );
    });

    await t.test('after the reply: whoever may read the ticket fetches them; others 403', async (t) => {
      for (const who of ['unitA', 'operator', 'supervisor', 'admin'] as const) t.equal((await h.call(who, 'GET', `/api/v1/attachments/${ids[1]}`)).status, 200, who);
      const b = await h.call('unitB', 'GET', `/api/v1/attachments/${ids[1]}`);
      t.equal(b.status, 403, 'another unit');
      t.equal(b.json.error.code, 'forbidden');
      t.equal((await h.call(null, 'GET', `/api/v1/attachments/${ids[1]}`)).status, 401);
      const again = await h.call('unitA', 'POST', '/api/v1/tickets', { content: 'x' });
      t.equal(again.status, 403, 'sanity: units do not create tickets');
    });

    await t.test('a photo on one ticket cannot be put on another', async (t) => {
      const other = await h.call('operator', 'POST', '/api/v1/tickets', { content: '红都大道井盖缺失' });
      const oid = other.json.ticket.id;
      await h.call('operator', 'POST', `/api/v1/tickets/${oid}/dispatch`, { unit: '市城管局' });
      await h.call('unitA', 'POST', `/api/v1/tickets/${oid}/sign`);
      const r = await h.call('unitA', 'POST', `/api/v1/tickets/${oid}/reply`, { reply: '已处理', attachmentIds: [ids[0]] });
      t.equal(r.status, 400);
      t.equal(r.json.error.code, 'attachment_in_use');
    });

    t.ok(existsSync(join(mediaDir, 'attachments')));
  });
}
