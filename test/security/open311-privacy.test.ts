import t from 'tap';
import { testApp } from '../helpers/app.js';
import { Open311Store } from '../../src/application/platforms/open311.js';
import { maskPersonalText, streetLevel } from '../../src/domain/privacy.js';

/** Issue 19, item 3: Open311 publishes a public board's view; SMS 查询 answers only the number that filed the ticket. */

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

t.test('masking: phones, ID numbers, names; places at street level', async (t) => {
  t.equal(maskPersonalText('请联系13812345678或0797-8123456'), '请联系[电话已隐去]或[电话已隐去]');
  t.equal(maskPersonalText('身份证36078119800101123X丢了'), '身份证[证件号已隐去]丢了');
  t.equal(maskPersonalText('我叫张大伟，住红都大道'), '我叫张**，住红都大道');
  t.equal(maskPersonalText('我是本小区业主'), '我是本小区业主', 'not a name');
  t.equal(maskPersonalText('钟小明反映路灯不亮', ['钟小明']), '钟**反映路灯不亮');
  t.equal(maskPersonalText('工单20261126-0001已办结'), '工单20261126-0001已办结', 'ticket numbers stay');
  t.equal(streetLevel('象湖镇红都大道88号3栋2单元501室'), '象湖镇红都大道');
  t.equal(streetLevel('象湖镇金都小区'), '象湖镇金都小区');
});

t.test('GET /open311/v2/requests: masked for the public, private services never listed, full for its own client', async (t) => {
  const h = await testApp(t, { env: { SUBAN_WEBHOOK_RATE_LIMIT: '0' } });
  const store = new Open311Store(h.ctx.state, () => h.clock.now());
  const key = await store.registerClient('fixmystreet-rj');
  const otherKey = await store.registerClient('another-app');
  const post = (body: Record<string, string>) => h.app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ api_key: key, ...body }) });
  const street = (
    await post({ service_code: 'streetlight', description: '我叫钟小明，电话13812345678，身份证360781198001011234，红都大道88号门口路灯不亮', address_string: '象湖镇红都大道88号3栋', lat: '25.885531', long: '116.027116', first_name: '小明', last_name: '钟', phone: '13812345678', media_url: 'https://fms.example.cn/photo/1.jpg' })
  ).json()[0].service_request_id;
  const report = (await post({ service_code: 'other', description: '举报某局长收受红包', address_string: '瑞金市' })).json()[0].service_request_id;
  const tk = (await h.ctx.ticketStore.getByNumber(street))!;
  await h.ctx.tickets.apply(tk.id, { id: 'u', role: 'unit', unit: '市城管局' }, 'test', () => [{ type: 'signed' }, { type: 'replied', reply: '已修复，联系人王师傅13900001111' }]);

  const pub = (await h.app.inject('/open311/v2/requests.json')).json();
  const text = JSON.stringify(pub);
  t.notOk(pub.some((r: { service_request_id: string }) => r.service_request_id === report), '纪委监委 is never listed');
  const mine = pub.find((r: { service_request_id: string }) => r.service_request_id === street);
  t.ok(mine, 'the street request is listed');
  t.notMatch(text, /13812345678|360781198001011234|钟小明|13900001111|王师傅|已修复/, 'no phone, ID number, name or reply text');
  t.match(mine, { service_name: '路灯损坏', agency_responsible: '市城管局', status: 'open', address: '象湖镇红都大道', lat: 25.886, long: 116.027, media_url: null, address_id: null });
  t.match(mine.description, /我叫钟\*\*.*\[电话已隐去\].*\[证件号已隐去\]/);
  t.ok(mine.requested_datetime && mine.updated_datetime);
  t.equal((await h.app.inject(`/open311/v2/requests/${report}.json`)).statusCode, 404, 'nor shown by its number');
  t.equal((await h.app.inject(`/open311/v2/requests.json?service_request_id=${report}`)).json().length, 0);
  t.equal((await h.app.inject(`/open311/v2/requests/${report}.json?api_key=${otherKey}`)).statusCode, 404, "another client's key does not open it");

  const full = (await h.app.inject(`/open311/v2/requests.json?api_key=${key}`)).json();
  t.ok(full.some((r: { service_request_id: string }) => r.service_request_id === report), 'its own client sees its 举报');
  const own = full.find((r: { service_request_id: string }) => r.service_request_id === street);
  t.match(own, { address: '象湖镇红都大道88号3栋', lat: 25.885531, media_url: 'https://fms.example.cn/photo/1.jpg' });
  t.match(own.description, /13812345678/);
  t.match(own.status_notes, /已修复/);
});

t.test('SMS 查询 answers only the number that filed the ticket', async (t) => {
  const h = await testApp(t);
  const filed = await h.call('operator', 'POST', '/api/v1/tickets', { content: '红都大道路灯不亮', contact: '13800002222', unit: '市城管局' });
  const number = filed.json.ticket.number as string;
  const ask = async (from: string) => {
    await h.call('operator', 'POST', '/api/v1/sim/sms', { from, text: `查询 ${number}` });
    const out = (await h.call('operator', 'GET', '/api/v1/sim/outbox')).json.sms as { to: string; text: string }[];
    return out.find((m) => m.to.endsWith(from.replace(/\D/g, '').slice(-8)))?.text ?? '';
  };
  t.match(await ask('13900003333'), /没有查到/, 'a stranger learns nothing');
  t.match(await ask('+86 138 0000 2222'), /办理状态/, 'the filer hears the state');
});
