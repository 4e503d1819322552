import t from 'tap';
import ExcelJS from 'exceljs';
import { ENGINES } from '../../../helpers/db.js';
import { testApp, type TestApp } from '../../../helpers/app.js';

/**
 * 问责线索 over seeded histories (November 2026, driven through the API), each pattern with a case
 * that triggers it and one that does not:
 *  - 推诿: 市城管局 returns two 路灯 tickets (its own matter by the 职责清单), both refused → flag.
 *    润泉供水公司 has one refused return of a 路灯 ticket (not its matter) and one accepted return
 *    of a water ticket → no flag.
 *  - 虚假办结 (回访): 市城管局 replies 已修复 and the 回访 says 不满意/未解决 → flag; a reply that says
 *    it was passed on (转交) followed by 不满意, and 已修复 followed by 满意 → none.
 *  - 虚假办结 (repeat): a citizen's water ticket closed on 11-26 as 已恢复供水, the same number calls
 *    about the same address on 12-05 → flag; another citizen's closed ticket followed by a call about
 *    a different matter → none.
 *  - 复制答复: 润泉供水公司 gives one long reply on three different tickets → flag; 市城管局's short
 *    已处理 on three tickets → none.
 */
async function fixture(h: TestApp) {
  const at = (s: string) => {
    const [d, hm] = s.split(' ');
    h.clock.set(new Date(`${d}T${hm}:00+08:00`).toISOString());
  };
  const mk = async (unit: string, contact: string, content: string, contactName?: string) => {
    const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit, category: '求助', contact, content, ...(contactName ? { contactName } : {}) });
    if (r.status !== 201 && r.status !== 200) throw new Error(r.body);
    return { id: r.json.ticket.id as string, number: r.json.ticket.number as string };
  };
  const act = async (who: 'unitA' | 'unitB' | 'operator', id: string, path: string, body?: unknown) => {
    const r = await h.call(who, 'POST', `/api/v1/tickets/${id}/${path}`, body ?? {});
    if (r.status !== 200) throw new Error(`${path}: ${r.body}`);
    return r.json;
  };
  const A = '市城管局';
  const B = '润泉供水公司';
  at('2026-11-26 09:00');
  // 推诿
  const r1 = await mk(A, '13900000701', '红都大道路灯不亮，晚上很黑');
  const r2 = await mk(A, '13900000702', '建设路的路灯坏了好几盏，一直不亮');
  const r3 = await mk(B, '13900000703', '绵江路路灯不亮');
  const r4 = await mk(B, '13900000704', '家里停水了，自来水没有水');
  for (const x of [r1, r2]) {
    await act('unitA', x.id, 'return', { reason: '不属于我单位职责' });
    await act('operator', x.id, 'dispatch', { unit: A, note: '职责清单明确由城管局负责' });
  }
  await act('unitB', r3.id, 'return', { reason: '路灯不归供水公司' });
  await act('operator', r3.id, 'dispatch', { unit: B });
  await act('unitB', r4.id, 'return', { reason: '小区内部管网' });
  await act('operator', r4.id, 'dispatch', { unit: '市住建局' });
  // 虚假办结 by 回访
  const f1 = await mk(A, '13900000711', '象湖镇八一路路灯不亮', '张三丰');
  const f2 = await mk(A, '13900000712', '八一路口井盖松动');
  const f3 = await mk(A, '13900000713', '解放路路灯闪烁');
  for (const x of [f1, f2, f3]) await act('unitA', x.id, 'sign');
  await act('unitA', f1.id, 'reply', { reply: '已修复，路灯恢复正常照明' });
  await act('operator', f1.id, 'followup', { satisfaction: '不满意', solved: false, reason: '晚上还是不亮，联系13812345678' });
  await act('unitA', f2.id, 'reply', { reply: '经核查该井盖不属于我局管辖，已转交供电公司' });
  await act('operator', f2.id, 'followup', { satisfaction: '不满意', solved: false });
  await act('unitA', f3.id, 'reply', { reply: '已修复' });
  await act('operator', f3.id, 'followup', { satisfaction: '满意', solved: true });
  // 虚假办结 by a repeat call
  const p1 = await mk(B, '13900000721', '建设路12号家里停水三天了');
  const p3 = await mk(B, '13900000722', '红旗大道88号水压太低');
  for (const x of [p1, p3]) {
    await act('unitB', x.id, 'sign');
    await act('unitB', x.id, 'reply', { reply: '已抢修完毕，已恢复供水' });
    await act('operator', x.id, 'followup', { satisfaction: '满意', solved: true });
  }
  // 复制答复
  const copy = '经现场核查，维修人员已对管道进行了更换，供水已经恢复正常，感谢您对供水工作的支持与理解。';
  const cs = [await mk(B, '13900000731', '沙洲坝镇停水'), await mk(B, '13900000732', '象湖镇水管爆裂'), await mk(B, '13900000733', '九堡镇水质浑浊')];
  for (const [i, x] of cs.entries()) {
    await act('unitB', x.id, 'sign');
    await act('unitB', x.id, 'reply', { reply: i === 2 ? copy.replace('管道', '水管') : copy });
  }
  const ss = [await mk(A, '13900000741', '九堡镇路灯不亮'), await mk(A, '13900000742', '云石山乡路灯不亮'), await mk(A, '13900000743', '叶坪乡路灯不亮')];
  for (const x of ss) {
    await act('unitA', x.id, 'sign');
    await act('unitA', x.id, 'reply', { reply: '已处理。' });
  }
  // 12-05: the same citizens again
  at('2026-12-05 10:00');
  const p2 = await mk(B, '13900000721', '建设路12号家里又停水了，上次说修好了');
  const p4 = await mk(A, '13900000722', '红都大道路灯不亮');
  return { r1, r2, r3, r4, f1, f2, f3, p1, p2, p3, p4, cs, ss };
}

for (const engine of ENGINES) {
  t.test(`问责线索 on ${engine}`, async (t) => {
    const h = await testApp(t, { engine });
    const x = await fixture(h);
    const Q = 'from=2026-11-01&to=2026-11-30';

    await t.test('only supervisors and admins', async (t) => {
      for (const who of ['operator', 'unitA'] as const) t.equal((await h.call(who, 'GET', `/api/v1/accountability/flags?${Q}`)).status, 403, who);
      t.equal((await h.call(null, 'GET', `/api/v1/accountability/flags?${Q}`)).status, 401);
      t.equal((await h.call('admin', 'GET', `/api/v1/accountability/flags?${Q}`)).status, 200);
      t.equal((await h.call('supervisor', 'GET', `/api/v1/accountability/flags?from=2026-11-30&to=2026-11-01`)).status, 400);
      t.equal((await h.call('supervisor', 'GET', `/api/v1/accountability/flags?from=2026-13-01`)).status, 400);
      const feb31 = await h.call('supervisor', 'GET', `/api/v1/accountability/flags?from=2026-02-31`);
      t.equal(feb31.status, 400);
      t.match(feb31.json.error.message, /无效的日期/);
      t.equal((await h.call('supervisor', 'GET', `/api/v1/accountability/case-file?unit=不存在的单位&${Q}`)).status, 400);
    });

    const r = await h.call('supervisor', 'GET', `/api/v1/accountability/flags?${Q}`);
    t.equal(r.status, 200, r.body);
    const flags = r.json.flags as { kind: string; basis: string; unit: string; numbers: string[]; ticketIds: string[]; events: { type: string; detail: string }[]; followUps: { satisfaction: string }[]; dutyEvidence?: Record<string, string[]> }[];
    const of = (kind: string, unit: string, basis?: string) => flags.filter((f) => f.kind === kind && f.unit === unit && (!basis || f.basis === basis));

    await t.test('推诿: refused returns of the unit’s own matters', async (t) => {
      const a = of('shirking', '市城管局');
      t.equal(a.length, 1);
      t.same(a[0]!.numbers.sort(), [x.r1.number, x.r2.number].sort());
      t.same(
        a[0]!.events.map((e) => e.type),
        ['returned', 'dispatched', 'returned', 'dispatched'],
        'each return and the re-dispatch that refused it',
      );
      t.match(a[0]!.events[0]!.detail, /不属于我单位职责/);
      t.ok(Object.values(a[0]!.dutyEvidence ?? {}).every((ev) => ev.length > 0), 'the 职责清单 evidence of each ticket');
      t.equal(of('shirking', '润泉供水公司').length, 0, 'a refused return of another unit’s matter and an accepted return are no 推诿');
    });

    await t.test('虚假办结: the 回访 says unsolved', async (t) => {
      const a = of('false_completion', '市城管局', 'followup');
      t.same(
        a.map((f) => f.numbers[0]),
        [x.f1.number],
        'not the reply that passed it on, not the one the citizen was satisfied with',
      );
      t.equal(a[0]!.followUps[0]!.satisfaction, '不满意');
      t.same(
        a[0]!.events.map((e) => e.type),
        ['replied', 'followed_up'],
      );
    });

    await t.test('虚假办结: the same citizen again on the same matter within 30 days', async (t) => {
      const a = of('false_completion', '润泉供水公司', 'repeat_call');
      t.equal(a.length, 1);
      t.same(a[0]!.numbers, [x.p1.number, x.p2.number]);
      t.same(
        a[0]!.events.map((e) => e.type),
        ['replied', 'closed', 'created'],
      );
      t.notOk(
        flags.some((f) => f.ticketIds.includes(x.p3.id) || f.ticketIds.includes(x.p4.id)),
        'a call about another matter is no repeat',
      );
    });

    await t.test('复制答复: one reply on three tickets', async (t) => {
      const a = of('copied_reply', '润泉供水公司');
      t.equal(a.length, 1);
      t.same(a[0]!.ticketIds.sort(), x.cs.map((c) => c.id).sort());
      t.equal(of('copied_reply', '市城管局').length, 0, 'short boilerplate (已处理) is ignored');
    });

    await t.test('a unit filter and another period', async (t) => {
      const only = await h.call('supervisor', 'GET', `/api/v1/accountability/flags?${Q}&unit=${encodeURIComponent('市城管局')}`);
      t.ok(only.json.flags.length >= 2);
      t.ok(only.json.flags.every((f: { unit: string }) => f.unit === '市城管局'));
      const oct = await h.call('supervisor', 'GET', `/api/v1/accountability/flags?from=2026-10-01&to=2026-10-31`);
      t.same(oct.json.flags, [], 'nothing happened in October');
    });

    await t.test('the case file: JSON and XLSX, masked, audited', async (t) => {
      const j = await h.call('supervisor', 'GET', `/api/v1/accountability/case-file?unit=${encodeURIComponent('市城管局')}&${Q}`);
      t.equal(j.status, 200, j.body);
      const cf = j.json.caseFile;
      t.same(cf.counts, { shirking: 1, false_completion: 1, copied_reply: 0 });
      t.same(cf.tickets.map((x: { number: string }) => x.number).sort(), [x.r1.number, x.r2.number, x.f1.number].sort());
      const f1 = cf.tickets.find((y: { number: string }) => y.number === x.f1.number);
      t.equal(f1.contact, '139****0711', 'the caller’s number masked');
      t.equal(f1.contactName, '张**');
      t.ok(cf.events.length >= 10, 'every event of the tickets');
      t.notOk(JSON.stringify(cf).includes('13812345678'), 'a phone number in the citizen’s words is masked too');
      t.notOk(JSON.stringify(cf).includes('13900000711'));
      t.ok(cf.followUps.some((f: { number: string; solved: boolean }) => f.number === x.f1.number && f.solved === false));

      const xl = await h.app.inject({ method: 'GET', url: `/api/v1/accountability/case-file?unit=${encodeURIComponent('市城管局')}&${Q}&format=xlsx`, headers: { authorization: `Bearer ${h.tokens.supervisor}` } });
      t.equal(xl.statusCode, 200);
      t.match(String(xl.headers['content-disposition']), /filename\*=UTF-8''/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xl.rawPayload as unknown as ArrayBuffer);
      t.same(
        wb.worksheets.map((w) => w.name),
        ['概要', '问责线索', '工单', '事件', '回访答复'],
      );
      t.equal(wb.getWorksheet('问责线索')!.rowCount, 3, 'header + 2 flags');
      t.equal(wb.getWorksheet('工单')!.getRow(1).getCell(1).value, '工单编号');
      const phones = wb.getWorksheet('工单')!.getColumn(6).values.slice(2) as string[];
      t.ok(phones.every((p) => /^\d{3}\*{4}\d{4}$/.test(p)), 'numbers masked in the workbook');
      t.equal(wb.getWorksheet('回访答复')!.getRow(2).getCell(4).value, '未解决');

      const full = await h.call('admin', 'GET', `/api/v1/accountability/case-file?unit=${encodeURIComponent('市城管局')}&${Q}&contacts=full`);
      t.ok(JSON.stringify(full.json).includes('13900000711'), 'full contacts when asked for');
      const audit = await h.ctx.audit.list('accountability:市城管局');
      t.equal(audit.length, 3, 'each case file is audited');
      t.same(
        audit.map((a) => (a.data as { contacts: string }).contacts),
        ['masked', 'masked', 'full'],
      );
    });
  });
}
