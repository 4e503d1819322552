/**
 * The 附件2 platforms end to end, one per handling kind, pushed and polled, through the real
 * HTTP app on a fresh database, with a loopback fake platform that checks our signatures.
 */
import t from 'tap';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { signedHeaders, verify } from '../../src/application/platforms/signature.js';
import { envPrefix } from '../../src/application/platforms/config.js';

const fx = (f: string) => readFileSync(`test/fixtures/platforms/${f}`, 'utf8');
const secretOf = (slug: string) => `test-secret-${slug}`;

interface Delivery {
  slug: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
  signatureOk: boolean;
}

/** A platform's reply endpoint: records what it gets, checks the signature, can be told to fail. */
async function fakePlatform(now: () => Date) {
  const got: Delivery[] = [];
  let failNext = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const slug = (req.url ?? '').split('/')[1] ?? '';
      const body = Buffer.concat(chunks).toString('utf8');
      const v = verify(secretOf(slug), { timestamp: req.headers['x-suban-timestamp'] as string, signature: req.headers['x-suban-signature'] as string }, body, now());
      if (failNext > 0) {
        failNext--;
        res.writeHead(502).end('upstream busy');
        return;
      }
      got.push({ slug, headers: req.headers, body, json: JSON.parse(body), signatureOk: v.ok });
      res.writeHead(v.ok ? 200 : 403, { 'content-type': 'application/json' }).end('{"code":0}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    got,
    fail(n: number) {
      failNext = n;
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const SIGNED = ['hotline-12315', 'hotline-12333', 'minsheng', 'wenzheng-gz', 'govcn-message', 'jx-gov-interact', 'gov-inspection'];
const REPLYING = ['minsheng', 'wenzheng-gz', 'govcn-message', 'jx-gov-interact', 'gov-inspection'];
const POLLED = ['govcn-message', 'jx-gov-interact', 'hotline-12333', 'gov-inspection'];

for (const engine of ENGINES) {
  t.test(`platforms end to end on ${engine}`, async (t) => {
    // The clock starts before the app exists, so the fake platform checks timestamps against it.
    let h: TestApp | null = null;
    const fake = await fakePlatform(() => h?.clock.now() ?? new Date('2026-11-26T02:00:00Z'));
    t.teardown(fake.close);
    const dirs: Record<string, string> = {};
    // The platforms' settings, in the environment the configuration is read from.
    const env: Record<string, string> = {};
    for (const s of SIGNED) env[`${envPrefix(s)}_SECRET`] = secretOf(s);
    for (const s of REPLYING) env[`${envPrefix(s)}_REPLY_URL`] = `${fake.url}/${s}`;
    for (const s of POLLED) {
      dirs[s] = mkdtempSync(join(tmpdir(), `poll-${s}-`));
      env[`${envPrefix(s)}_POLL_DIR`] = dirs[s]!;
    }
    h = await testApp(t, { engine, env });
    const app = h;

    const push = async (slug: string, body: string, opts: { secret?: string; at?: Date; headers?: Record<string, string> } = {}) => {
      const sig = signedHeaders(opts.secret ?? secretOf(slug), body, opts.at ?? app.clock.now());
      const res = await app.app.inject({ method: 'POST', url: `/platforms/${slug}/cases`, headers: { 'content-type': 'application/json', ...sig, ...opts.headers }, payload: body });
      return { status: res.statusCode, json: res.json() };
    };
    const tokenFor = new Map<string, string>();
    const asUnit = async (unit: string, action: string, id: string, body?: object) => {
      if (!tokenFor.has(unit)) tokenFor.set(unit, await app.ctx.auth.issueToken((await app.ctx.auth.addUser({ name: `u${tokenFor.size}-${Date.now()}`, role: 'unit', unit })).id));
      const res = await app.app.inject({ method: 'POST', url: `/api/v1/tickets/${id}/${action}`, headers: { authorization: `Bearer ${tokenFor.get(unit)}` }, ...(body ? { payload: body } : {}) });
      return { status: res.statusCode, json: res.json() };
    };
    const ticket = async (id: string) => (await app.call('supervisor', 'GET', `/api/v1/tickets/${id}`)).json.ticket;
    const events = async (id: string) => (await app.call('supervisor', 'GET', `/api/v1/tickets/${id}/events`)).json.events.map((e: { type: string }) => e.type);
    /** Make sure the ticket sits with a unit, then sign and reply as that unit. */
    const handle = async (id: string, reply: string) => {
      let tk = await ticket(id);
      if (!tk.unit) tk = (await app.call('operator', 'POST', `/api/v1/tickets/${id}/dispatch`, { unit: '市城管局' })).json.ticket;
      t.equal((await asUnit(tk.unit, 'sign', id)).status, 200);
      return asUnit(tk.unit, 'reply', id, { reply });
    };

    await t.test('the push endpoint refuses what it must, and never answers 5xx', async (t) => {
      const body = fx('wenzheng-gz-case.json');
      t.equal((await push('no-such-platform', body)).status, 404);
      const unsigned = await app.app.inject({ method: 'POST', url: '/platforms/wenzheng-gz/cases', headers: { 'content-type': 'application/json' }, payload: body });
      t.equal(unsigned.statusCode, 401);
      t.equal(unsigned.json().error.code, 'signature_required');
      const forged = await push('wenzheng-gz', body, { secret: 'guessed' });
      t.equal(forged.status, 403);
      t.equal(forged.json.error.code, 'bad_signature');
      const replayed = await push('wenzheng-gz', body, { at: new Date(app.clock.now().getTime() - 10 * 60_000) });
      t.equal(replayed.status, 403, 'a delivery signed ten minutes ago is a replay');
      t.equal(replayed.json.error.code, 'stale_timestamp');
      t.equal((await push('people-governor', body)).json.error.code, 'push_disabled', 'a platform without a secret takes no pushes');
      const notJson = await push('wenzheng-gz', '{"id": 1, "content": ');
      t.equal(notJson.status, 400);
      t.equal(notJson.json.error.code, 'invalid_json');
      const noId = await push('wenzheng-gz', JSON.stringify({ content: '没有编号的案件' }));
      t.equal(noId.status, 400);
      t.equal(noId.json.error.code, 'bad_case');
      t.match(noId.json.error.details.errors[0], /缺少案件编号/);
      const huge = await push('wenzheng-gz', JSON.stringify({ id: 'big', content: '很'.repeat(600_000) }));
      t.equal(huge.status, 413);
      t.equal((await push('wenzheng-gz', '[]')).status, 400);
      const asForm = await push('wenzheng-gz', 'id=1&content=x', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      t.equal(asForm.status, 400);
      t.equal(asForm.json.error.code, 'unsupported_media_type');
      const tickets = await app.call('supervisor', 'GET', '/api/v1/tickets?channel=platform:问政赣州');
      t.equal(tickets.json.items.length, 0, 'nothing refused made a ticket');
    });

    await t.test('interconnect (12315): a mirror that follows the original platform and is never replied to', async (t) => {
      const first = await push('hotline-12315', fx('hotline-12315-new.json'));
      t.equal(first.status, 201);
      t.match(first.json.ticket.number, /^20261126-\d{4}$/);
      const id = first.json.ticket.id;
      let tk = await ticket(id);
      t.equal(tk.channel, 'platform:12315热线');
      t.equal(tk.externalRef, '3607812026112600158');
      t.equal(tk.state, 'dispatched', 'dispatched for the record to the unit 12315 named');
      t.equal(tk.unit, '市市场监管局');
      t.equal(tk.noCallback, true, '回访 belongs to the original platform');
      t.equal(tk.reviewer, null);
      t.equal(tk.attachments.length, 2);
      t.same(await events(id), ['created', 'dispatched', 'note']);

      const again = await push('hotline-12315', fx('hotline-12315-new.json'));
      t.equal(again.status, 200, 'the same case again');
      t.equal(again.json.ticket.number, first.json.ticket.number, 'is the same ticket');
      t.equal(again.json.created, false);

      const answered = await push('hotline-12315', fx('hotline-12315-answered.json'));
      t.equal(answered.status, 200);
      t.same(answered.json.mirrored, ['signed', 'replied']);
      tk = await ticket(id);
      t.equal(tk.state, 'replied');
      t.match(tk.lastReply, /商家同意为消费者退货退款/);
      t.equal((await push('hotline-12315', fx('hotline-12315-answered.json'))).json.mirrored.length, 0, 'a repeated status changes nothing');
      const closed = JSON.parse(fx('hotline-12315-answered.json'));
      closed.caseStatus = '已办结';
      t.same((await push('hotline-12315', JSON.stringify(closed))).json.mirrored, ['closed']);
      t.equal((await ticket(id)).state, 'closed');
      await app.ctx.runner.runDue();
      const timers = (await app.ctx.jobs.list({})).filter((j) => j.payload.ticketId === id);
      t.same(timers, [], 'a mirror sets no deadline, page, 回访 or reply-back timers: the original platform handles it');
      t.equal(fake.got.length, 0, 'and sent nothing back to an interconnect platform');
      const list = await app.call('supervisor', 'GET', '/api/v1/tickets?channel=platform:12315热线');
      t.equal(list.json.items.length, 1, 'four deliveries, one ticket');
    });

    await t.test('merged-review (民声通道): the reply waits for 市委办公室 before it goes back', async (t) => {
      const r = await push('minsheng', fx('minsheng-case.json'));
      t.equal(r.status, 201);
      const id = r.json.ticket.id;
      const tk = await ticket(id);
      t.equal(tk.reviewer, '市委办', 'the directory unit that stands for 市委办公室 (managerUnit)');
      t.equal(tk.externalRef, 'MS-2026-1126-0042');
      t.equal(tk.noCallback, false);
      const replied = await handle(id, '已更换红都大道损坏路灯 6 盏,恢复照明。');
      t.equal(replied.status, 200);
      t.equal(replied.json.ticket.state, 'reviewing', 'the unit reply goes to review first');
      await app.ctx.runner.runDue();
      t.equal(fake.got.filter((d) => d.slug === 'minsheng').length, 0, 'nothing leaves before the review');
      t.equal((await asUnit((await ticket(id)).unit, 'review', id, { approved: true })).status, 403, 'the unit cannot approve its own reply');
      const rejected = await app.call('supervisor', 'POST', `/api/v1/tickets/${id}/review`, { approved: false, note: '请补充维修时间' });
      t.equal(rejected.json.ticket.state, 'handling', 'a rejected reply goes back to the unit');
      await app.ctx.runner.runDue();
      t.equal(fake.got.length, 0);
      await asUnit((await ticket(id)).unit, 'reply', id, { reply: '11月26日已更换红都大道损坏路灯 6 盏,恢复照明。' });
      const approved = await app.call('supervisor', 'POST', `/api/v1/tickets/${id}/review`, { approved: true, note: '同意答复' });
      t.equal(approved.json.ticket.state, 'replied');
      await app.ctx.runner.runDue();
      const sent = fake.got.filter((d) => d.slug === 'minsheng');
      t.equal(sent.length, 1, 'one reply went back');
      t.ok(sent[0]!.signatureOk, 'signed with the platform key');
      t.same(
        { msgId: sent[0]!.json.msgId, hotlineNo: sent[0]!.json.hotlineNo, replyContent: sent[0]!.json.replyContent, auditOrg: sent[0]!.json.auditOrg },
        { msgId: 'MS-2026-1126-0042', hotlineNo: r.json.ticket.number, replyContent: '11月26日已更换红都大道损坏路灯 6 盏,恢复照明。', auditOrg: '市委办公室' },
        'in the platform field names, the approved reply, the reviewing department',
      );
      t.match(sent[0]!.headers['x-suban-delivery'], /^platform\.reply:/);
      t.equal((await events(id)).at(-1), 'note', 'the timeline records that the reply went back');
    });

    await t.test('merged (问政赣州): replied goes straight back; a failing platform is retried', async (t) => {
      const r = await push('wenzheng-gz', fx('wenzheng-gz-case.json'));
      t.equal(r.status, 201);
      t.equal(r.json.ticket.state, 'dispatched');
      const id = r.json.ticket.id;
      t.equal((await ticket(id)).reviewer, null);
      t.equal((await push('wenzheng-gz', fx('wenzheng-gz-case.json'))).json.ticket.id, id, 'duplicate delivery, same ticket');
      fake.fail(1);
      const before = fake.got.length;
      t.equal((await handle(id, '已抢修完毕,11月26日14时恢复供水。')).json.ticket.state, 'replied');
      await app.ctx.runner.runDue();
      t.equal(fake.got.length, before, 'the platform failed the first attempt');
      const pending = (await app.ctx.jobs.list({ kindPrefix: 'platform.reply' })).find((j) => j.payload.ticketId === id);
      t.equal(pending?.status, 'pending', 'and the reply is due again');
      app.clock.advance(11_000);
      await app.ctx.runner.runDue();
      const sent = fake.got.filter((d) => d.slug === 'wenzheng-gz');
      t.equal(sent.length, 1);
      t.ok(sent[0]!.signatureOk);
      t.equal(sent[0]!.json.caseId, '88123017', 'default field names when the mapping gives none');
      t.equal(sent[0]!.json.reply, '已抢修完毕,11月26日14时恢复供水。');
      t.equal(sent[0]!.json.reviewedBy, null);
    });

    await t.test('batch push: good cases in, bad ones reported', async (t) => {
      const body = JSON.stringify([
        { id: 'B-1', content: '叶坪镇华屋村路口红绿灯不亮', type: '求助' },
        { content: '没有编号' },
        { id: 'B-1', content: '叶坪镇华屋村路口红绿灯不亮', type: '求助' },
      ]);
      const r = await push('wenzheng-gz', body);
      t.equal(r.status, 201);
      t.same(r.json.results.map((x: { ok: boolean; created?: boolean }) => [x.ok, x.created ?? null]), [[true, true], [false, null], [true, false]]);
    });

    await t.test('polled export files: CSV, GBK CSV, XLSX and JSON, each case once', async (t) => {
      copyFileSync('test/fixtures/platforms/govcn-message.csv', join(dirs['govcn-message']!, 'export-20261125.csv'));
      copyFileSync('test/fixtures/platforms/jx-gov-interact.xlsx', join(dirs['jx-gov-interact']!, 'hd-20261126.xlsx'));
      copyFileSync('test/fixtures/platforms/hotline-12333.csv', join(dirs['hotline-12333']!, '12333-20261125.csv'));
      copyFileSync('test/fixtures/platforms/gov-inspection.json', join(dirs['gov-inspection']!, 'clues.json'));
      // Past every platform's next slot (at most an hour).
      app.clock.advance(61 * 60_000);
      await app.ctx.runner.runDue();
      const list = async (channel: string) => (await app.call('supervisor', 'GET', `/api/v1/tickets?channel=${encodeURIComponent(channel)}`)).json.items;

      const gov = await list('platform:中国政府网留言');
      t.same(gov.map((x: { externalRef: string }) => x.externalRef).sort(), ['GOV20261125001', 'GOV20261125002'], 'the duplicate row and the empty row made no ticket');
      t.ok(existsSync(join(dirs['govcn-message']!, 'processed', 'export-20261125.csv')), 'the file is set aside');
      const audit = await app.ctx.audit.list('platform:govcn-message');
      const imp = audit.find((a) => a.kind === 'platform.import')!.data as { created: number; duplicates: number; rejected: { row: number }[] };
      t.same([imp.created, imp.duplicates, imp.rejected.map((x) => x.row)], [2, 1, [4]], 'row 4 of the sheet is reported');

      const jx = await list('platform:江西省政务服务互动平台');
      t.same(jx.map((x: { externalRef: string }) => x.externalRef).sort(), ['2026112600012', '2026112600013'], 'numeric ids from XLSX as text');
      t.equal(jx.find((x: { externalRef: string }) => x.externalRef === '2026112600012').category, '投诉');

      const hr = await list('platform:12333热线');
      t.equal(hr.length, 2, 'the row with an unknown status is rejected');
      const done = hr.find((x: { externalRef: string }) => x.externalRef === '12333-20261125-0007');
      t.equal(done.state, 'closed', 'a mirror of a case already 办结 on 12333');
      t.match(done.lastReply, /市社保中心窗口办理补缴/);
      t.equal(done.contactName, '陈先生', 'GBK decoded');
      t.equal(hr.find((x: { externalRef: string }) => x.externalRef === '12333-20261125-0011').state, 'dispatched');

      const dc = await list('platform:国务院“互联网+督查”');
      t.equal(dc.length, 1);
      t.equal(dc[0].reviewer, '市政府办', '市政府办公室 resolved through the directory and its aliases');

      // The same export dropped again (platforms re-send whole days): nothing new.
      mkdirSync(dirs['govcn-message']!, { recursive: true });
      copyFileSync('test/fixtures/platforms/govcn-message.csv', join(dirs['govcn-message']!, 'export-20261125-again.csv'));
      app.clock.advance(61 * 60_000);
      await app.ctx.runner.runDue();
      t.equal((await list('platform:中国政府网留言')).length, 2);
      t.ok(existsSync(join(dirs['govcn-message']!, 'processed', 'export-20261125-again.csv')));
      // An export that cannot be read at all is set aside rather than retried forever.
      writeFileSync(join(dirs['gov-inspection']!, 'broken.json'), '{"rows": [ {"clueNo": ');
      app.clock.advance(61 * 60_000);
      await app.ctx.runner.runDue();
      t.ok(existsSync(join(dirs['gov-inspection']!, 'rejected', 'broken.json')));
      t.ok((await app.ctx.audit.list('platform:gov-inspection')).some((a) => a.kind === 'platform.import_failed'));
      const polls = await app.ctx.jobs.list({ kindPrefix: 'platform.poll' });
      t.ok(polls.some((j) => j.status === 'pending' && j.payload.slug === 'govcn-message'), 'the next poll is scheduled');
    });
  });
}
