import t from 'tap';
import ExcelJS from 'exceljs';
import { testApp } from '../../../helpers/app.js';
import { ENGINES } from '../../../helpers/db.js';

const entry = {
  title: '停水通知在哪里查',
  variants: ['怎么知道什么时候停水', '计划停水查询'],
  answer: '计划停水会提前在润泉供水公司微信公众号和小区公告栏通知，也可拨打供水服务热线查询，以最新公告为准。',
  tags: ['供水'],
  readable: true,
};

for (const engine of ENGINES) {
  t.test(`${engine}: a unit drafts, the office approves, everyone searches`, async (t) => {
    const { call } = await testApp(t, { engine, now: '2026-12-07T02:00:00Z' });
    // unitB = 润泉供水公司
    const created = await call('unitB', 'POST', '/api/v1/knowledge', entry);
    t.equal(created.status, 201, created.body);
    const e = created.json.entry;
    t.equal(e.unit, '润泉供水公司');
    t.equal(e.state, 'draft');
    t.equal(e.stateLabel, '草稿');
    t.equal((await call('operator', 'GET', `/api/v1/knowledge/search?q=${encodeURIComponent('什么时候停水')}`)).json.hits.length, 0, 'a draft is not served');

    t.equal((await call('unitA', 'PUT', `/api/v1/knowledge/${e.id}`, { answer: 'x' })).status, 403, 'another unit may not edit');
    t.equal((await call('operator', 'POST', '/api/v1/knowledge', entry)).status, 403, 'operators read only');
    t.equal((await call('unitB', 'POST', '/api/v1/knowledge', { ...entry, unit: '市城管局' })).status, 403, 'a unit writes only its own entries');
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge', { ...entry, unit: '不存在的局' })).status, 400, 'unknown unit');

    const sub = await call('unitB', 'POST', `/api/v1/knowledge/${e.id}/submit`, {});
    t.equal(sub.json.entry.state, 'pending');
    t.equal((await call('unitB', 'POST', `/api/v1/knowledge/${e.id}/approve`, {})).status, 403, 'a unit does not approve');
    t.equal((await call('supervisor', 'POST', `/api/v1/knowledge/${e.id}/approve`, { version: 1 })).status, 409, 'stale version');
    const ok = await call('supervisor', 'POST', `/api/v1/knowledge/${e.id}/approve`, { note: '核对无误' });
    t.equal(ok.status, 200, ok.body);
    t.equal(ok.json.entry.state, 'approved');
    t.equal((await call('supervisor', 'POST', `/api/v1/knowledge/${e.id}/approve`, {})).status, 409, 'already approved');

    const s = await call('operator', 'GET', `/api/v1/knowledge/search?q=${encodeURIComponent('我想知道明天什么时候停水')}`);
    t.equal(s.status, 200);
    t.equal(s.json.hits[0].entryId, e.id);
    t.type(s.json.confidentAt, 'number');
    t.ok(s.json.hits[0].confidence > 0);

    // Edit while approved: still the approved answer in search; reject needs a reason.
    const up = await call('unitB', 'PUT', `/api/v1/knowledge/${e.id}`, { answer: '新的答复内容，以最新公告为准。', submit: true });
    t.equal(up.json.entry.state, 'pending');
    t.match((await call('operator', 'GET', `/api/v1/knowledge/search?q=${encodeURIComponent('停水查询')}`)).json.hits[0].answer, /^计划停水/);
    t.equal((await call('supervisor', 'POST', `/api/v1/knowledge/${e.id}/reject`, {})).status, 400, 'a reason is required');
    const rej = await call('supervisor', 'POST', `/api/v1/knowledge/${e.id}/reject`, { reason: '请写明热线号码' });
    t.equal(rej.json.entry.state, 'rejected');
    t.equal(rej.json.entry.rejectReason, '请写明热线号码');

    const got = await call('operator', 'GET', `/api/v1/knowledge/${e.id}`);
    t.same(got.json.history.map((h: { action: string }) => h.action), ['create', 'submit', 'approve', 'update', 'submit', 'reject']);
    t.equal(got.json.history[2].note, '核对无误');
    t.equal(got.json.history[5].actorRole, 'supervisor');

    const list = await call('unitA', 'GET', `/api/v1/knowledge?unit=${encodeURIComponent('润泉供水公司')}&state=rejected`);
    t.equal(list.json.total, 1);
    t.equal((await call('operator', 'GET', '/api/v1/knowledge?q=停水')).json.items[0].id, e.id);

    // Bad input: 4xx, never 5xx.
    t.equal((await call('operator', 'GET', '/api/v1/knowledge/search')).status, 400);
    t.equal((await call('operator', 'GET', '/api/v1/knowledge?state=bogus')).status, 400);
    t.equal((await call('operator', 'GET', '/api/v1/knowledge/nope')).status, 404);
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge', { title: '', answer: 'x' })).status, 400);
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge', { title: 'x' })).status, 400);
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge', { title: 'x', answer: 'y', validFrom: '2026-02-30' })).status, 400);
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge', { title: 'x', answer: 'y', extra: 1 })).status, 400);
    t.equal((await call('supervisor', 'PUT', `/api/v1/knowledge/${e.id}`, { validFrom: '2027-01-01', validTo: '2026-01-01' })).status, 400);
    t.equal((await call(null, 'GET', '/api/v1/knowledge')).status, 401);
  });

  t.test(`${engine}: import CSV and XLSX with centres' headers, export, stale list`, async (t) => {
    const { call, clock, app, tokens } = await testApp(t, { engine, now: '2026-12-07T02:00:00Z' });
    const csv = [
      '知识编号,知识标题,扩展问,答复口径,所属单位,分类,有效期止,来源文件,可播报,备注',
      'EXT-1,路灯不亮找谁,路灯坏了;晚上路灯不亮,城区路灯由市城管局负责维修，可拨打12345报修。,市城管局,市政,2026-12-31,,是,无',
      'EXT-2,供水报修电话,"水管爆了找谁",润泉供水公司24小时受理报修。,国网瑞金市供电公司,,,,否,',
      'EXT-3,没有答复的行,,,,,,,,',
      ',停水怎么办,,请关注润泉供水公司公告。,润泉供水公司,,,,,',
    ].join('\r\n');
    const dry = await call('supervisor', 'POST', '/api/v1/knowledge/import?dryRun=true', { format: 'csv', data: Buffer.from(csv).toString('base64') });
    t.equal(dry.status, 200, dry.body);
    t.equal(dry.json.dryRun, true);
    t.equal(dry.json.created, 3);
    t.same(dry.json.unknownHeaders, ['备注']);
    t.equal(dry.json.columns.answer, '答复口径');
    t.equal(dry.json.columns.validTo, '有效期止');
    t.same(dry.json.skipped.map((s: { line: number }) => s.line), [4], 'the row without an answer, by its line');
    t.equal((await call('supervisor', 'GET', '/api/v1/knowledge')).json.total, 0, 'a dry run writes nothing');

    // A unit imports only its own rows.
    const mine = await call('unitA', 'POST', '/api/v1/knowledge/import', { format: 'csv', data: Buffer.from(csv).toString('base64') });
    t.equal(mine.json.created, 1);
    t.equal(mine.json.skipped.length, 3);
    t.equal((await call('unitA', 'POST', '/api/v1/knowledge/import?approve=true', { format: 'csv', data: Buffer.from(csv).toString('base64') })).status, 403);

    // The office imports as approved (raw CSV body): EXT-1 exists now, so it is updated.
    const approved = await call('supervisor', 'POST', '/api/v1/knowledge/import?approve=true', undefined);
    t.equal(approved.status, 400, 'no body');
    const res = await app.inject({ method: 'POST', url: '/api/v1/knowledge/import?approve=true', headers: { authorization: `Bearer ${tokens.supervisor}`, 'content-type': 'text/csv' }, payload: Buffer.from(csv) });
    const up = { status: res.statusCode, json: res.json(), body: res.body };
    t.equal(up.status, 200, up.body);
    t.equal(up.json.updated, 1);
    t.equal(up.json.created, 2);
    t.equal(up.json.approved, 3);
    const hits = (await call('operator', 'GET', `/api/v1/knowledge/search?q=${encodeURIComponent('路灯坏了找哪个')}`)).json.hits;
    t.equal(hits[0].title, '路灯不亮找谁');
    t.equal(hits[0].readable, true);

    // XLSX export and back.
    const x = await app.inject({ method: 'GET', url: '/api/v1/knowledge/export?format=xlsx', headers: { authorization: `Bearer ${tokens.supervisor}` } });
    t.equal(x.statusCode, 200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    t.equal(sheet.getRow(1).getCell(2).value, '标题');
    t.equal(sheet.rowCount, 4, 'header + 3 entries');
    const c = await call('supervisor', 'GET', '/api/v1/knowledge/export?format=csv');
    t.match(c.body, /编号,标题,相似问法,答复口径,责任单位/);
    t.match(c.body, /路灯不亮找谁/);

    const xlsx = new ExcelJS.Workbook();
    const ws = xlsx.addWorksheet('知识');
    ws.addRow(['标题', '相似问', '答案', '责任单位', '生效日期', '失效日期', '语音播报']);
    ws.addRow(['井盖丢了找谁', '井盖没了', '城区道路井盖由市城管局负责，可拨打12345反映。', '市城管局', new Date('2026-01-01T00:00:00Z'), '2026/12/08', '是']);
    const buf = Buffer.from(await xlsx.xlsx.writeBuffer());
    const xi = await call('supervisor', 'POST', '/api/v1/knowledge/import?approve=true', { format: 'xlsx', data: buf.toString('base64') });
    t.equal(xi.status, 200, xi.body);
    t.equal(xi.json.created, 1);
    t.equal((await call('operator', 'GET', `/api/v1/knowledge/search?q=${encodeURIComponent('井盖没了')}`)).json.hits[0].title, '井盖丢了找谁');

    // Bad files: 4xx.
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge/import', { format: 'csv', data: Buffer.from('甲,乙\n1,2').toString('base64') })).status, 400, 'no title/answer columns');
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge/import', { format: 'xlsx', data: Buffer.from('not a zip').toString('base64') })).status, 400);
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge/import', { format: 'csv', data: '!!!' })).status, 400);
    t.equal((await call('supervisor', 'POST', '/api/v1/knowledge/import', { format: 'pdf', data: '' })).status, 400);

    // Stale: EXT-1 (valid to 2026-12-31) and the manhole entry (to 2026-12-08) after their days.
    clock.set(new Date('2027-01-02T02:00:00Z'));
    const stale = await call('unitA', 'GET', '/api/v1/knowledge/stale');
    t.equal(stale.status, 200);
    t.same(stale.json.items.map((i: { entry: { title: string } }) => i.entry.title).sort(), ['井盖丢了找谁', '路灯不亮找谁']);
    t.same(stale.json.items[0].reasons, ['expired']);
    t.same((await call('unitB', 'GET', '/api/v1/knowledge/stale')).json.items, [], "another unit's list");
    t.equal((await call('operator', 'GET', `/api/v1/knowledge/search?q=${encodeURIComponent('井盖没了')}`)).json.hits.length, 0, 'expired entries are not served');
  });
}

