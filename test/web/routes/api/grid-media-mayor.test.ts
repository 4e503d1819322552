import { randomUUID } from 'node:crypto';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ENGINES } from '../../../helpers/db.js';
import { testApp, type TestApp } from '../../../helpers/app.js';

const IN_HOURS = '2026-11-26T02:00:00Z'; // Thursday 10:00 Shanghai
/** 1×1 PNG */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

async function as(h: TestApp, user: { name: string; role: 'grid' | 'unit' | 'media'; unit?: string; township?: string; gridArea?: string }) {
  const u = await h.ctx.auth.addUser({ name: user.name, role: user.role, unit: user.unit ?? null, township: user.township ?? null, gridArea: user.gridArea ?? null });
  const token = await h.ctx.auth.issueToken(u.id);
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await h.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as object } : {}) });
    let json: any = null;
    try {
      json = res.json();
    } catch {
      json = null;
    }
    return { status: res.statusCode, json, body: res.body };
  };
  return { user: u, call };
}

const eventTypes = async (h: TestApp, id: string) => (await h.ctx.ticketStore.events(id)).map((e) => e.data.type);
const pendingJob = async (h: TestApp, prefix: string) => (await h.ctx.jobs.list({ status: 'pending', limit: 500 })).filter((j) => j.key.startsWith(prefix));

for (const engine of ENGINES) {
  t.test(`网格员, 市长热线日 and media on ${engine}`, async (t) => {
    const mediaDir = mkdtempSync(join(tmpdir(), 'suban-grid-'));
    const h = await testApp(t, { engine, now: IN_HOURS, app: { mediaDir } });

    await t.test('grid users need a township and a grid area', async (t) => {
      await t.rejects(h.ctx.auth.addUser({ name: 'g-bad', role: 'grid', township: '市城管局', gridArea: '第1网格' }), { code: 'unknown_township' }, 'a member unit is not a township');
      await t.rejects(h.ctx.auth.addUser({ name: 'g-bad2', role: 'grid', township: '象湖镇', gridArea: ' ' }), { code: 'grid_area_required' });
      const noTown = await h.call('admin', 'POST', '/api/v1/users', { name: 'g-api0', role: 'grid', gridArea: '第2网格' });
      t.equal(noTown.status, 400);
      t.equal(noTown.json.error.code, 'unknown_township');
      const made = await h.call('admin', 'POST', '/api/v1/users', { name: 'g-api', role: 'grid', township: '瑞林镇', gridArea: '瑞林第2网格' });
      t.equal(made.status, 201, made.body);
      t.match(made.json.user, { role: 'grid', township: '瑞林镇', gridArea: '瑞林第2网格', unit: null });
    });

    const grid = await as(h, { name: 'grid-xh', role: 'grid', township: '象湖镇', gridArea: '红都社区第3网格' });
    const grid2 = await as(h, { name: 'grid-xh2', role: 'grid', township: '象湖镇', gridArea: '红都社区第4网格' });
    const gridOther = await as(h, { name: 'grid-rt', role: 'grid', township: '壬田镇', gridArea: '壬田第1网格' });
    const town = await as(h, { name: 'town-xh', role: 'unit', unit: '象湖镇' });
    const media = await as(h, { name: 'media-1', role: 'media' });
    t.equal(grid.user.township, '象湖镇');
    t.equal(grid.user.gridArea, '红都社区第3网格');

    let reportId = '';
    await t.test('a grid worker reports a matter found on patrol: channel grid, one intake pipeline, idempotent', async (t) => {
      const me = await grid.call('GET', '/api/v1/grid/me');
      t.same(me.json.worker, { id: grid.user.id, name: 'grid-xh', township: '象湖镇', gridArea: '红都社区第3网格' });
      const photo = await grid.call('POST', '/api/v1/grid/photos', { data: `data:image/png;base64,${PNG}` });
      t.equal(photo.status, 200, photo.body);
      t.match(photo.json.url, /^\/media\/grid\/[0-9a-f-]+\.png$/);
      t.ok(existsSync(join(mediaDir, photo.json.url.slice('/media/'.length))), 'stored under the media directory');
      const notImage = await grid.call('POST', '/api/v1/grid/photos', { data: Buffer.from('<script>alert(1)</script>').toString('base64') });
      t.equal(notImage.status, 400);
      t.equal(notImage.json.error.code, 'bad_photo');

      const noPlace = await grid.call('POST', '/api/v1/grid/reports', { content: '井盖缺失', idempotencyKey: randomUUID() });
      t.equal(noPlace.status, 400, 'neither a position nor a typed place');
      t.equal(noPlace.json.error.code, 'place_required');
      const badLoc = await grid.call('POST', '/api/v1/grid/reports', { content: '井盖缺失', location: { lat: 200, lng: 0 } });
      t.equal(badLoc.status, 400);

      const key = randomUUID();
      const body = { content: '红都大道井盖缺失，行人容易掉下去', location: { lat: 25.885, lng: 116.027, accuracy: 12 }, attachments: [{ kind: 'image', url: photo.json.url }], idempotencyKey: key };
      const r = await grid.call('POST', '/api/v1/grid/reports', body);
      t.equal(r.status, 201, r.body);
      const tk = r.json.ticket;
      t.equal(tk.channel, 'grid');
      t.equal(tk.township, '象湖镇');
      t.equal(tk.noCallback, true, 'the grid worker confirms on the spot; nobody is called back');
      t.match(tk.grid, { workerId: grid.user.id, reporterId: grid.user.id, status: 'reported', township: '象湖镇' });
      t.same(tk.attachments, [{ kind: 'image', url: photo.json.url }]);
      t.match(tk.place, /^定位 25\.885000,116\.027000$/);
      const again = await grid.call('POST', '/api/v1/grid/reports', body);
      t.equal(again.status, 200, 'a retried submit');
      t.equal(again.json.ticket.id, tk.id, 'gives the same ticket');
      const ev = await h.ctx.ticketStore.events(tk.id);
      t.equal(ev[0]!.actorRole, 'grid');
      t.equal(ev[0]!.via, 'grid');
      t.ok(ev.some((e) => e.data.type === 'note' && /巡查发现上报，定位 25\.885000,116\.027000/.test(e.data.text)), 'the position is on the record');
      reportId = tk.id;
    });

    // A ticket of 象湖镇, and one of another unit.
    const mk = async (content: string, unit: string, contact = '13812345678') => (await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact, contactName: '张三', content, unit })).json.ticket;
    const townTicket = await mk('象湖镇红都社区垃圾堆放多日无人清运', '象湖镇');
    const cityTicket = await mk('市区路灯不亮', '市城管局');

    await t.test('grid workers see only their own reports and tasks; every other route is closed to them', async (t) => {
      const list = await grid.call('GET', '/api/v1/tickets');
      t.same(list.json.items.map((x: { id: string }) => x.id), [reportId], 'the list holds their report only');
      t.equal((await grid.call('GET', `/api/v1/tickets/${townTicket.id}`)).status, 404, 'a ticket not handed to them');
      t.equal((await grid2.call('GET', `/api/v1/tickets/${reportId}`)).status, 404, "another grid worker's report");
      t.equal((await grid.call('GET', '/api/v1/stats/rates')).status, 403);
      t.equal((await grid.call('GET', '/api/v1/supervision/tickets')).status, 403, 'an any-role route admits them only to their own views');
      t.equal((await grid.call('POST', `/api/v1/tickets/${townTicket.id}/notes`, { text: 'x' })).status, 404);
      t.equal((await grid.call('GET', '/api/v1/grid/workers')).status, 403, 'grid workers do not hand out tickets');
    });

    await t.test('a township hands its ticket to its grid worker, who reports back with photos', async (t) => {
      const workers = await town.call('GET', '/api/v1/grid/workers?township=壬田镇');
      t.same(workers.json.items.map((w: { name: string }) => w.name).sort(), ['grid-xh', 'grid-xh2'], "a township sees its own grid workers, whatever it asks");
      t.equal((await h.call('unitA', 'POST', `/api/v1/grid/tickets/${cityTicket.id}/assign`, { workerId: grid.user.id })).status, 403, 'a member unit is not a township');
      t.equal((await town.call('POST', `/api/v1/grid/tickets/${cityTicket.id}/assign`, { workerId: grid.user.id })).status, 404, "not the township's ticket");
      const other = await town.call('POST', `/api/v1/grid/tickets/${townTicket.id}/assign`, { workerId: gridOther.user.id });
      t.equal(other.status, 400);
      t.equal(other.json.error.code, 'other_township');
      const a = await town.call('POST', `/api/v1/grid/tickets/${townTicket.id}/assign`, { workerId: grid.user.id, note: '请现场核实' });
      t.equal(a.status, 200, a.body);
      t.match(a.json.ticket.grid, { workerId: grid.user.id, status: 'assigned', reporterId: null });
      t.equal((await grid.call('GET', `/api/v1/tickets/${townTicket.id}`)).status, 200, 'now the grid worker sees it');
      const seen = (await grid.call('GET', `/api/v1/tickets/${townTicket.id}`)).json.ticket;
      t.equal(seen.contact, '138****5678', 'the caller masked for a grid worker');
      const tasks = await grid.call('GET', '/api/v1/grid/tasks');
      t.same(tasks.json.items.map((x: { id: string }) => x.id).sort(), [reportId, townTicket.id].sort());
      t.equal((await grid2.call('POST', `/api/v1/grid/tickets/${townTicket.id}/report`, { text: '看过了' })).status, 404, 'only the grid worker who has it');
      const photo = (await grid.call('POST', '/api/v1/grid/photos', { data: PNG })).json.url;
      const rb = await grid.call('POST', `/api/v1/grid/tickets/${townTicket.id}/report`, { text: '现场核实：垃圾约两车，已通知保洁', attachments: [{ kind: 'image', url: photo }] });
      t.equal(rb.status, 200, rb.body);
      t.equal(rb.json.ticket.grid.status, 'checked');
      t.same(rb.json.ticket.attachments, [{ kind: 'image', url: photo }], 'the photo from the spot is on the ticket');
      t.match(await eventTypes(h, townTicket.id), ['created', 'dispatched', 'grid_assigned', 'grid_reported']);
      t.equal((await grid.call('POST', `/api/v1/grid/tickets/${townTicket.id}/confirm`, { ok: true })).status, 400, 'nothing to confirm before the reply');
    });

    await t.test('the 回访 waits for the grid worker to confirm the result on the spot; not done goes back to the unit', async (t) => {
      t.equal((await town.call('POST', `/api/v1/tickets/${townTicket.id}/sign`)).status, 200);
      const rep = await town.call('POST', `/api/v1/tickets/${townTicket.id}/reply`, { reply: '已清运' });
      t.equal(rep.json.ticket.state, 'replied');
      t.equal(rep.json.ticket.grid.status, 'confirming');
      t.equal((await pendingJob(h, `followup:${townTicket.id}:`)).length, 0, 'no 回访 yet');
      t.equal((await pendingJob(h, `grid:${townTicket.id}:confirm:`)).length, 1, 'the confirmation deadline is a durable timer');
      const no = await grid.call('POST', `/api/v1/grid/tickets/${townTicket.id}/confirm`, { ok: false });
      t.equal(no.status, 400, 'not done needs the reason');
      const back = await grid.call('POST', `/api/v1/grid/tickets/${townTicket.id}/confirm`, { ok: false, note: '现场仍有一车垃圾' });
      t.equal(back.json.ticket.state, 'handling', 'back to the unit');
      t.equal(back.json.ticket.grid.status, 'rejected');
      t.equal((await pendingJob(h, `grid:${townTicket.id}:`)).length, 0, 'the deadline is off');
      await town.call('POST', `/api/v1/tickets/${townTicket.id}/reply`, { reply: '已全部清运' });
      t.equal((await pendingJob(h, `grid:${townTicket.id}:confirm:`)).length, 1);
      const ok = await grid.call('POST', `/api/v1/grid/tickets/${townTicket.id}/confirm`, { ok: true });
      t.equal(ok.json.ticket.grid.status, 'confirmed');
      t.equal(ok.json.ticket.state, 'replied');
      t.equal((await pendingJob(h, `followup:${townTicket.id}:`)).length, 1, 'the 回访 follows the confirmation');
      t.match(await eventTypes(h, townTicket.id), ['created', 'dispatched', 'grid_assigned', 'grid_reported', 'signed', 'replied', 'grid_confirmed', 'replied', 'grid_confirmed']);
    });

    await t.test('without a confirmation the 回访 goes ahead after the deadline', async (t) => {
      const tk = await mk('象湖镇某路段路面塌陷', '象湖镇', '13900001111');
      await h.call('operator', 'POST', `/api/v1/grid/tickets/${tk.id}/assign`, { workerId: grid2.user.id });
      await town.call('POST', `/api/v1/tickets/${tk.id}/sign`);
      await town.call('POST', `/api/v1/tickets/${tk.id}/reply`, { reply: '已修复' });
      h.clock.advance(23 * 3600_000);
      await h.ctx.runner.runDue();
      t.equal((await h.ctx.ticketStore.get(tk.id))!.grid!.status, 'confirming', 'still waiting within 24 h');
      h.clock.advance(2 * 3600_000);
      await h.ctx.runner.runDue();
      const after = (await h.ctx.ticketStore.get(tk.id))!;
      t.equal(after.grid!.status, 'lapsed');
      t.ok((await eventTypes(h, tk.id)).includes('grid_confirm_lapsed'));
      const ev = (await h.ctx.ticketStore.events(tk.id)).find((e) => e.data.type === 'grid_confirm_lapsed')!;
      t.equal(ev.actorId, 'system');
      t.ok((await h.ctx.jobs.list({ limit: 1000 })).some((j) => j.key.startsWith(`followup:${tk.id}:`)), 'the 回访 was set');
    });

    await t.test('media: the 热线办 publishes closed tickets; the media centre sees only those, masked', async (t) => {
      const tk = await mk('我叫李四，电话13987654321，住象湖镇红都大道88号3栋501室，楼下路灯坏了，身份证360781199001011234', '市城管局', '13987654321');
      await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/sign`);
      await h.call('unitA', 'POST', `/api/v1/tickets/${tk.id}/reply`, { reply: '已更换李四家门口88号的路灯' });
      const early = await h.call('supervisor', 'POST', `/api/v1/media/tickets/${tk.id}/publish`, {});
      t.equal(early.status, 400, 'not closed yet');
      t.equal(early.json.error.code, 'not_closed');
      t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${tk.id}/followup`, { satisfaction: '满意', solved: true })).status, 200);
      t.equal((await h.ctx.ticketStore.get(tk.id))!.state, 'closed');
      t.equal((await h.call('operator', 'POST', `/api/v1/media/tickets/${tk.id}/publish`, {})).status, 403, 'operators do not choose');
      t.equal((await media.call('POST', `/api/v1/media/tickets/${tk.id}/publish`, {})).status, 403, 'the media centre does not choose');
      const pub = await h.call('supervisor', 'POST', `/api/v1/media/tickets/${tk.id}/publish`, { headline: '路灯一天修好', summary: '群众反映路灯坏了，城管当天更换' });
      t.equal(pub.status, 200, pub.body);
      t.match(pub.json.ticket.publication, { headline: '路灯一天修好' });

      const list = await media.call('GET', '/api/v1/media/tickets');
      t.equal(list.status, 200, list.body);
      t.equal(list.json.items.length, 1);
      const item = list.json.items[0];
      t.equal(item.id, tk.id);
      t.equal(item.headline, '路灯一天修好');
      t.equal(item.satisfaction, '满意');
      t.equal(item.solved, true);
      t.match(item.reply, /已更换/);
      t.equal(item.place === null || !/88号/.test(item.place), true);
      const all = JSON.stringify(list.json);
      for (const secret of ['13987654321', '1398765', '李四', '88号', '501', '360781199001011234']) t.notOk(all.includes(secret), `no ${secret} in what the media centre sees`);
      t.notOk(/1[3-9]\d{9}/.test(all), 'no phone number at all');
      t.equal((await media.call('GET', `/api/v1/media/tickets/${tk.id}`)).status, 200);

      // Any other ticket: 404 through the media view, 403/404 everywhere else.
      t.equal((await media.call('GET', `/api/v1/media/tickets/${cityTicket.id}`)).status, 404, 'an unpublished ticket');
      t.equal((await media.call('GET', `/api/v1/tickets/${tk.id}`)).status, 403, 'not the ordinary ticket view, even for a published one');
      t.equal((await media.call('GET', `/api/v1/tickets/${cityTicket.id}`)).status, 403);
      t.equal((await media.call('GET', '/api/v1/tickets')).status, 403);
      t.equal((await media.call('GET', `/api/v1/tickets/${tk.id}/events`)).status, 403);
      t.equal((await media.call('GET', '/api/v1/stats/rates')).status, 403);
      t.equal((await media.call('GET', '/api/v1/grid/tasks')).status, 403);

      const feed = await media.call('GET', `/api/v1/media/feed?since=${encodeURIComponent('2026-01-01T00:00:00Z')}`);
      t.equal(feed.status, 200);
      t.same(feed.json.items.map((x: { id: string }) => x.id), [tk.id]);
      const later = await media.call('GET', `/api/v1/media/feed?since=${encodeURIComponent(new Date(h.clock.now().getTime() + 1000).toISOString())}`);
      t.same(later.json.items, [], 'nothing published after since');
      t.equal((await media.call('GET', '/api/v1/media/feed?since=yesterday')).status, 400);

      const un = await h.call('admin', 'POST', `/api/v1/media/tickets/${tk.id}/unpublish`, { note: '当事人不同意' });
      t.equal(un.status, 200);
      t.same((await media.call('GET', '/api/v1/media/tickets')).json.items, [], 'withdrawn');
      t.equal((await media.call('GET', `/api/v1/media/tickets/${tk.id}`)).status, 404);
      t.same((await eventTypes(h, tk.id)).slice(-2), ['published', 'unpublished']);
    });

    await t.test('市长热线日: a 联席会议 item goes on the next agenda; positions; the decision is written on each ticket and reassigns', async (t) => {
      const a = await mk('某小区二次供水归属不清，停水三天', '润泉供水公司', '13700000001');
      const b = await mk('同一小区停水，物业和供水公司互相推诿', '市城管局', '13700000002');
      await h.call('unitB', 'POST', `/api/v1/tickets/${a.id}/sign`);
      t.equal((await h.call('supervisor', 'POST', '/api/v1/supervision/joint-meeting', { ticketIds: [a.id, b.id], note: '职责不清' })).status, 200);
      t.equal((await h.call('operator', 'GET', '/api/v1/mayor-day')).status, 403, 'supervisors and admins only');
      const cands = await h.call('supervisor', 'GET', '/api/v1/mayor-day/candidates');
      t.equal(cands.json.items.length, 1);
      const key = cands.json.items[0].key;
      const none = await h.call('supervisor', 'POST', '/api/v1/mayor-day/items', { jointMeetingKey: key });
      t.equal(none.status, 409, 'no agenda yet');
      t.equal(none.json.error.code, 'no_agenda');
      t.equal((await h.call('supervisor', 'POST', '/api/v1/mayor-day', { date: '2026-13-40' })).status, 400);
      t.equal((await h.call('supervisor', 'POST', '/api/v1/mayor-day', { date: '2026-11-20' })).status, 200, 'a past one');
      const ag = await h.call('supervisor', 'POST', '/api/v1/mayor-day', { date: '2026-12-03' });
      t.equal(ag.status, 200);
      await h.call('supervisor', 'POST', '/api/v1/mayor-day', { date: '2026-12-17' });
      const item = await h.call('supervisor', 'POST', '/api/v1/mayor-day/items', { jointMeetingKey: key });
      t.equal(item.status, 200, item.body);
      t.equal(item.json.item.agendaId, ag.json.agenda.id, 'the next agenda from today');
      t.equal((await h.call('supervisor', 'POST', '/api/v1/mayor-day/items', { jointMeetingKey: key })).status, 409, 'once');
      t.same((await h.call('supervisor', 'GET', '/api/v1/mayor-day/candidates')).json.items, []);
      const base = `/api/v1/mayor-day/${ag.json.agenda.id}/items/${item.json.item.id}`;
      t.equal((await h.call('supervisor', 'POST', `${base}/positions`, { unit: '润泉供水公司', position: '二次供水设施属小区产权，应由物业负责' })).status, 200);
      t.equal((await h.call('supervisor', 'POST', `${base}/positions`, { unit: '市城管局', position: '物业监管属住建局' })).status, 200);
      t.equal((await h.call('supervisor', 'POST', `${base}/positions`, { unit: '没有这个局', position: 'x' })).status, 400);
      t.equal((await h.call('supervisor', 'POST', `/api/v1/mayor-day/${ag.json.agenda.id}/items/nope/positions`, { unit: '市城管局', position: 'x' })).status, 404);
      const dec = await h.call('admin', 'POST', `${base}/decision`, { decision: '由市住建局牵头，三日内恢复供水', unit: '市住建局' });
      t.equal(dec.status, 200, dec.body);
      t.equal((await h.call('admin', 'POST', `${base}/decision`, { decision: '再决定一次' })).status, 409, 'decided once');
      for (const tk of [a, b]) {
        const cur = (await h.ctx.ticketStore.get(tk.id))!;
        t.equal(cur.unit, '市住建局', `${tk.number} reassigned`);
        t.equal(cur.state, 'dispatched');
        const ev = (await h.call('supervisor', 'GET', `/api/v1/tickets/${tk.id}/events`)).json.events;
        const d = ev.find((e: { type: string }) => e.type === 'mayor_day_decided');
        t.ok(d, 'the decision is on the timeline');
        t.equal(d.label, '市长热线日决定');
      }
      t.match(await eventTypes(h, a.id), ['created', 'dispatched', 'signed', 'note', 'note', 'mayor_day_decided', 'returned', 'dispatched'], 'the unit that held it hands it back first');
      const agendas = (await h.call('supervisor', 'GET', '/api/v1/mayor-day')).json.items;
      t.same(agendas.map((x: { date: string }) => x.date), ['2026-12-03', '2026-12-17', '2026-11-20'], 'the next first, past ones last');
      t.equal(agendas[0].items[0].positions.length, 2);
      t.match(agendas[0].items[0].decision, { text: '由市住建局牵头，三日内恢复供水', unit: '市住建局' });
      t.equal(agendas[0].items[0].tickets.length, 2);
    });
  });
}
