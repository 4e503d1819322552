import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { testApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/db.js';
import { loadConfig } from '../../../src/config.js';
import { loadDutyList } from '../../../adapters/fs-config/routing.js';
import { open311Matters } from '../../../src/application/platforms/open311.js';
import { Open311Store } from '../../../src/application/platforms/open311.js';

const xml = new XMLParser({ isArray: (name) => ['service', 'request', 'error'].includes(name), parseTagValue: false });
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

for (const engine of ENGINES) {
  t.test(`Open311 GeoReport v2 on ${engine}`, async (t) => {
    const h = await testApp(t, { engine });
    const apiKey = await new Open311Store(h.ctx.state, () => h.clock.now()).registerClient('fixmystreet-rj');
    const CITY = 'streetlight';
    const WATER = 'water-supply';
    const get = (url: string) => h.app.inject({ method: 'GET', url });
    const post = (url: string, body: Record<string, string>) => h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(body) });
    const file = (over: Record<string, string> = {}) =>
      post('/open311/v2/requests.json', { api_key: apiKey, service_code: CITY, description: '红都大道与八一路交叉口路灯不亮', lat: '25.885531', long: '116.027116', first_name: '小明', last_name: '钟', phone: '13812345678', media_url: 'https://fms.example.cn/photo/1.jpg', ...over });

    await t.test('services.json and services.xml list the matters of the 职责清单, with stable codes and the unit as group', async (t) => {
      const r = await get('/open311/v2/services.json');
      t.equal(r.statusCode, 200);
      t.match(r.headers['content-type'], /application\/json/);
      const list = r.json();
      const duty = loadDutyList('config/duty-list.yaml');
      t.equal(list.length, duty.matters.length, 'one service per matter (every matter unit is an active unit)');
      t.notOk(list.some((s: { service_name: string }) => /局$|公司$/.test(s.service_name)), 'services are request types, not units');
      const light = list.find((s: { service_name: string }) => s.service_name === '路灯损坏');
      t.match(light, { service_code: 'streetlight', metadata: false, type: 'realtime', group: '市城管局' });
      t.match(light.keywords, /路灯不亮/);
      t.ok(light.description.length > 0);
      t.match(list.find((s: { service_name: string }) => s.service_name === '占道经营'), { service_code: 'street-vending', group: '市城管局' });
      t.equal(list.find((s: { service_code: string }) => s.service_code === WATER).group, '润泉供水公司');
      t.equal(list.find((s: { service_code: string }) => s.service_code === 'other').group, '热线派单', 'a matter without a unit is dispatched by the text');
      t.ok(list.every((s: { service_code: string }) => /^[a-z0-9-]+$/.test(s.service_code)), 'ASCII codes from the list, not hashes');
      t.equal(new Set(list.map((s: { service_code: string }) => s.service_code)).size, list.length);
      const x = await get('/open311/v2/services.xml');
      t.match(x.headers['content-type'], /text\/xml/);
      const doc = xml.parse(x.body);
      t.equal(doc.services.service.length, list.length);
      t.equal(doc.services.service.find((s: { service_code: string }) => s.service_code === CITY).service_name, '路灯损坏');
      const def = await get(`/open311/v2/services/${CITY}.json`);
      t.same(def.json(), { service_code: CITY, attributes: [] });
      const defx = xml.parse((await get(`/open311/v2/services/${CITY}.xml`)).body);
      t.equal(defx.service_definition.service_code, CITY);
      t.equal((await get('/open311/v2/services/street-vending.json')).json().service_code, 'street-vending', 'a code with a hyphen');
      const disc = (await get('/open311/v2/discovery.json')).json();
      t.match(disc.changeset, /\+08:00$/);
    });

    await t.test('a matter whose unit is not an active unit of the directory is not offered', async (t) => {
      const all = open311Matters(loadDutyList('config/duty-list.yaml'), new Set(['市城管局']));
      t.ok(all.length > 0);
      t.ok(all.every((m) => m.unit === null || m.unit === '市城管局'));
      t.ok(all.some((m) => m.service.service_code === 'other'));
    });

    await t.test('unknown things answer with the standard error array, in JSON and XML', async (t) => {
      const r = await get('/open311/v2/services/u00000000.json');
      t.equal(r.statusCode, 404);
      t.same(r.json(), [{ code: 404, description: 'service_code u00000000 not found' }], 'not our {error:{…}} shape');
      const x = await get('/open311/v2/services/u00000000.xml');
      t.equal(x.statusCode, 404);
      t.equal(xml.parse(x.body).errors.error[0].code, '404');
      t.equal((await get('/open311/v2/requests/20991231-0001.json')).statusCode, 404);
      t.equal((await get('/open311/v2/tokens/nope.json')).statusCode, 404);
      t.equal((await get('/open311/v2/nothing-here.json')).json()[0].code, 404);
      t.equal((await get('/open311/v2/services')).statusCode, 404, 'a format is required');
    });

    await t.test('POST requests.json files a ticket on channel open311', async (t) => {
      const r = await file();
      t.equal(r.statusCode, 200, r.body);
      const [res] = r.json();
      t.match(res.service_request_id, /^20261126-\d{4}$/);
      t.match(res.token, /^[0-9a-f]{24}$/);
      t.match(res.service_notice, res.service_request_id);
      const tk = await h.ctx.ticketStore.getByNumber(res.service_request_id);
      t.equal(tk!.channel, 'open311');
      t.equal(tk!.unit, '市城管局', "the matter's unit is the routing hint");
      t.equal(tk!.category, '求助', "the matter's category");
      t.equal(tk!.contact, '13812345678');
      t.equal(tk!.contactName, '钟小明', 'Chinese names: family name first');
      t.same(tk!.attachments, [{ kind: 'image', url: 'https://fms.example.cn/photo/1.jpg' }]);
      const events = await h.ctx.ticketStore.events(tk!.id);
      t.equal(events[0]!.actorId, 'open311:fixmystreet-rj', 'the client app is on the record');

      const one = (await get(`/open311/v2/requests/${res.service_request_id}.json?api_key=${apiKey}`)).json();
      t.equal(one.length, 1);
      t.match(one[0], { service_request_id: res.service_request_id, status: 'open', service_code: CITY, service_name: '路灯损坏', agency_responsible: '市城管局', lat: 25.885531, long: 116.027116, media_url: 'https://fms.example.cn/photo/1.jpg', description: '红都大道与八一路交叉口路灯不亮' });
      const pub = (await get(`/open311/v2/requests/${res.service_request_id}.json`)).json();
      t.match(pub[0], { service_request_id: res.service_request_id, lat: 25.886, long: 116.027, media_url: null }, 'the public sees a coarse place and no media');
      t.equal(one[0].requested_datetime, '2026-11-26T10:00:00+08:00', 'datetimes in +08:00 (the fake clock is 02:00Z)');
      t.match(one[0].expected_datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      t.match(one[0].updated_datetime, /\+08:00$/);
      t.notOk(JSON.stringify(one).includes('13812345678'), 'no contact details in the public view');
      const ox = xml.parse((await get(`/open311/v2/requests/${res.service_request_id}.xml`)).body);
      t.equal(ox.service_requests.request[0].service_request_id, res.service_request_id);
      t.equal(ox.service_requests.request[0].status, 'open');
      const tok = (await get(`/open311/v2/tokens/${res.token}.json`)).json();
      t.same(tok, [{ service_request_id: res.service_request_id, token: res.token }]);

      const rx = await post('/open311/v2/requests.xml', { api_key: apiKey, service_code: WATER, description: '金都小区停水', address_string: '象湖镇金都小区' });
      t.equal(rx.statusCode, 200);
      t.match(xml.parse(rx.body).service_requests.request[0].service_request_id, /^20261126-\d{4}$/);
    });

    await t.test('a retry with the same Idempotency-Key gets the same request back, also after a cut between ticket and record', async (t) => {
      const body = form({ api_key: apiKey, service_code: CITY, description: '象湖镇红旗路井盖缺失', address_string: '象湖镇红旗路12号' });
      const postWith = (key: string) => h.app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key }, payload: body });
      const [first] = (await postWith('fms-4711')).json();
      const [again] = (await postWith('fms-4711')).json();
      t.same(again, first, 'same service_request_id and token');
      const mine = (await h.ctx.ticketStore.list({ channel: 'open311' }, { limit: 100 })).items.filter((x) => x.content === '象湖镇红旗路井盖缺失');
      t.equal(mine.length, 1, 'one ticket');
      const [other] = (await postWith('fms-4712')).json();
      t.not(other.service_request_id, first.service_request_id, 'another key is another request');

      // The process died after the ticket and before its Open311 record: the retry completes it.
      const tk = (await h.ctx.ticketStore.getByNumber(other.service_request_id))!;
      await h.ctx.state.delete('open311.request', tk.id);
      const [healed] = (await postWith('fms-4712')).json();
      t.equal(healed.service_request_id, other.service_request_id);
      t.match(healed.token, /^[0-9a-f]{24}$/);
      t.match((await get(`/open311/v2/requests/${other.service_request_id}.json`)).json()[0], { service_code: CITY });
      t.same((await get(`/open311/v2/tokens/${healed.token}.json`)).json(), [{ service_request_id: other.service_request_id, token: healed.token }]);

      // The process dies between the two writes of the Open311 record: whatever the retry answers must lead to the request.
      const put = h.ctx.state.put.bind(h.ctx.state);
      let writes = 0;
      h.ctx.state.put = (async (scope: string, ...rest: unknown[]) => {
        if (scope.startsWith('open311.') && ++writes === 2) throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
        return (put as (...a: unknown[]) => Promise<void>)(scope, ...rest);
      }) as typeof h.ctx.state.put;
      t.teardown(() => void (h.ctx.state.put = put));
      t.equal((await postWith('fms-4713')).statusCode >= 500, true, 'the first attempt fails');
      h.ctx.state.put = put;
      const [retried] = (await postWith('fms-4713')).json();
      t.same((await get(`/open311/v2/tokens/${retried.token}.json`)).json(), [{ service_request_id: retried.service_request_id, token: retried.token }], 'the token the retry gives leads to the request');

      const bad = await postWith('键');
      t.equal(bad.statusCode, 400, 'a key that is not printable ASCII');
    });

    await t.test('bad api_key, unknown service, missing location: 403 / 400', async (t) => {
      for (const key of ['', 'o311_guessed', 'sbn_staff-token']) {
        const r = await file({ api_key: key });
        t.equal(r.statusCode, 403, `api_key "${key}"`);
        t.equal(r.json()[0].code, 403);
      }
      t.equal((await file({ api_key: h.tokens.operator })).statusCode, 403, 'a staff API token is not an Open311 key');
      const unknown = await file({ service_code: 'u00000000' });
      t.equal(unknown.statusCode, 400);
      t.match(unknown.json()[0].description, /service_code u00000000 not found/);
      t.equal((await file({ service_code: '' })).statusCode, 400);
      const noLoc = await file({ lat: '', long: '' });
      t.equal(noLoc.statusCode, 400);
      t.match(noLoc.json()[0].description, /location is required/);
      t.equal((await file({ lat: '25.8', long: '' })).statusCode, 400, 'half a coordinate');
      t.equal((await file({ lat: '125.8', long: '116' })).statusCode, 400, 'off the planet');
      t.equal((await file({ lat: '', long: '', address_id: 'RJ-XH-0101' })).statusCode, 200, 'address_id alone is a location');
      t.equal((await file({ description: '' })).statusCode, 400);
      t.equal((await file({ media_url: 'javascript:alert(1)' })).statusCode, 400);
      const x = await h.app.inject({ method: 'POST', url: '/open311/v2/requests.xml', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ api_key: 'bad', service_code: CITY, description: 'x', lat: '1', long: '1' }) });
      t.equal(x.statusCode, 403);
      t.equal(xml.parse(x.body).errors.error[0].description, 'api_key missing or not valid');
    });

    await t.test('GET requests.json: filters and paging', async (t) => {
      // A fresh hour, so date filters can tell these apart from the earlier ones.
      h.clock.advance(3600_000);
      const from = h.clock.now().toISOString();
      const filed: string[] = [];
      for (let i = 0; i < 5; i++) {
        h.clock.advance(60_000);
        filed.push((await file({ description: `第${i + 1}处路灯不亮,红都大道${i + 1}号杆` })).json()[0].service_request_id);
      }
      const all = (await get(`/open311/v2/requests.json?start_date=${encodeURIComponent(from)}`)).json();
      t.same(all.map((r: { service_request_id: string }) => r.service_request_id), [...filed].reverse(), 'newest first');
      const seen: string[] = [];
      let url: string | null = `/open311/v2/requests.json?start_date=${encodeURIComponent(from)}&page_size=2`;
      const sizes: number[] = [];
      while (url) {
        const r = await get(url);
        t.equal(r.statusCode, 200);
        sizes.push(r.json().length);
        seen.push(...r.json().map((x: { service_request_id: string }) => x.service_request_id));
        const link = r.headers.link as string | undefined;
        url = link ? link.replace(/^<https:\/\/hotline\.example\.cn/, '').replace(/>; rel="next"$/, '') : null;
      }
      t.same(sizes, [2, 2, 1], 'pages of 2, 2 and 1, following rel=next');
      t.same(seen, [...filed].reverse(), 'every request once, in order');
      t.same((await get(`/open311/v2/requests.json?start_date=${encodeURIComponent(from)}&page_size=2&page=3`)).json().map((x: { service_request_id: string }) => x.service_request_id), [filed[0]]);
      t.same((await get(`/open311/v2/requests.json?start_date=${encodeURIComponent(from)}&page_size=2&page=9`)).json(), [], 'past the end: empty');

      const ids = (await get(`/open311/v2/requests.json?service_request_id=${filed[1]},${filed[3]},20991231-0009&status=closed`)).json();
      t.same(ids.map((x: { service_request_id: string }) => x.service_request_id).sort(), [filed[1], filed[3]].sort(), 'ids win over every other filter');
      t.equal((await get(`/open311/v2/requests.json?service_code=${WATER}`)).json().length, 1);
      t.equal((await get(`/open311/v2/requests.json?status=closed`)).json().length, 0);
      t.ok((await get(`/open311/v2/requests.json?status=open`)).json().length >= 7);
      const until = (await get(`/open311/v2/requests.json?end_date=${encodeURIComponent(from)}`)).json();
      t.notOk(until.some((x: { service_request_id: string }) => filed.includes(x.service_request_id)), 'end_date excludes later requests');
      const px = xml.parse((await get(`/open311/v2/requests.xml?start_date=${encodeURIComponent(from)}&page_size=2`)).body);
      t.equal(px.service_requests.request.length, 2);
      for (const bad of ['page_size=0', 'page_size=5000', 'page=0', 'status=pending', 'start_date=yesterday', 'service_code=u00000000']) {
        const r = await get(`/open311/v2/requests.json?${bad}`);
        t.equal(r.statusCode, 400, bad);
        t.equal(r.json()[0].code, 400);
      }
    });

    await t.test('status follows the ticket: closed once 办结', async (t) => {
      const id = (await file()).json()[0].service_request_id;
      const tk = (await h.ctx.ticketStore.getByNumber(id))!;
      await h.ctx.tickets.apply(tk.id, { id: 'u', role: 'unit', unit: '市城管局' }, 'test', () => [{ type: 'signed' }, { type: 'replied', reply: '已修复' }, { type: 'closed' }]);
      const r = (await get(`/open311/v2/requests/${id}.json?api_key=${apiKey}`)).json()[0];
      t.equal(r.status, 'closed');
      t.match(r.status_notes, /已办结.*已修复/, 'its own client reads the reply');
      t.equal((await get(`/open311/v2/requests/${id}.json`)).json()[0].status_notes, '已办结', 'the public reads the state only');
      t.ok((await get('/open311/v2/requests.json?status=closed')).json().some((x: { service_request_id: string }) => x.service_request_id === id));
    });

    await t.test('a JSON body is accepted (numbers for lat/long); a body that is not an object is refused with a clear error', async (t) => {
      const json = (payload: unknown, url = '/open311/v2/requests.json') => h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
      const r = await json({ api_key: apiKey, service_code: 'street-vending', description: '红都大道人行道上有流动摊贩占道经营', lat: 25.8855, long: 116.0271 });
      t.equal(r.statusCode, 200, r.body);
      const tk = (await h.ctx.ticketStore.getByNumber(r.json()[0].service_request_id))!;
      t.equal(tk.unit, '市城管局');
      t.equal(tk.category, '投诉', 'the category of 占道经营');
      const ev = (await h.ctx.ticketStore.events(tk.id)).find((e) => e.data.type === 'dispatched');
      t.match(JSON.stringify(ev), /Open311 服务类型「占道经营」/, 'the dispatch says why');
      const q = await h.app.inject({ method: 'POST', url: `/open311/v2/requests.json?api_key=${apiKey}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ service_code: 'other', description: '象湖镇红都大道88号门口路灯不亮好几天了', address_string: '红都大道88号' }) });
      t.equal(q.statusCode, 200, 'api_key in the query string');
      const other = (await h.ctx.ticketStore.getByNumber(q.json()[0].service_request_id))!;
      t.equal(other.unit, '市城管局', 'a matter without a unit: the classifier routes by the text');
      const arr = await json([{ api_key: apiKey }]);
      t.equal(arr.statusCode, 403, 'an array carries no key');
      const noCode = await json({ api_key: apiKey, description: '路灯坏了', address_string: '红都大道' });
      t.equal(noCode.statusCode, 400);
      t.match(noCode.json()[0].description, /service_code/, 'names the missing field');
      const badLat = await json({ api_key: apiKey, service_code: CITY, description: '路灯坏了', lat: { x: 1 }, long: 116 });
      t.equal(badLat.statusCode, 400);
      t.match(badLat.json()[0].description, /lat/);
      const text = await h.app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'text/plain' }, payload: 'service_code=streetlight' });
      t.equal(text.statusCode, 415);
      t.match(text.json()[0].description, /x-www-form-urlencoded.*json/);
      const broken = await h.app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/json' }, payload: '{"api_key":' });
      t.equal(broken.statusCode, 400);
      t.equal(broken.json()[0].code, 400, 'the standard error array, not a location message');
    });

    await t.test('a 举报 seen by the classifier stays a 举报 under a matter with another category', async (t) => {
      const r = await file({ service_code: 'street-vending', description: '举报城管队员收受摊贩红包,对占道经营睁一只眼闭一只眼' });
      t.equal(r.statusCode, 200);
      const tk = (await h.ctx.ticketStore.getByNumber(r.json()[0].service_request_id))!;
      t.equal(tk.category, '举报');
      t.equal((await get(`/open311/v2/requests/${tk.number}.json`)).statusCode, 404, 'so it is never public');
    });

    await t.test('GET lists only Open311 requests', async (t) => {
      const phone = await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact: '13900000000', content: '象湖镇红都大道路灯坏了' });
      t.equal((await get(`/open311/v2/requests/${phone.json.ticket.number}.json`)).statusCode, 404);
      t.notOk((await get('/open311/v2/requests.json')).json().some((x: { service_request_id: string }) => x.service_request_id === phone.json.ticket.number));
    });
  });
}

t.test('CORS on Open311 for the configured origins only', async (t) => {
  const h = await testApp(t, { env: { SUBAN_OPEN311_CORS_ORIGINS: 'https://app.example.cn,https://m.example.cn' } });
  const pre = await h.app.inject({ method: 'OPTIONS', url: '/open311/v2/requests.json', headers: { origin: 'https://app.example.cn', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' } });
  t.equal(pre.statusCode, 204);
  t.equal(pre.headers['access-control-allow-origin'], 'https://app.example.cn');
  t.match(String(pre.headers['access-control-allow-methods']), /POST/);
  t.match(String(pre.headers['access-control-allow-headers']), /Idempotency-Key/i);
  const get = await h.app.inject({ method: 'GET', url: '/open311/v2/services.json', headers: { origin: 'https://m.example.cn' } });
  t.equal(get.headers['access-control-allow-origin'], 'https://m.example.cn');
  t.match(String(get.headers.vary), /Origin/);
  t.match(String(get.headers['access-control-expose-headers']), /Link/);
  const other = await h.app.inject({ method: 'GET', url: '/open311/v2/services.json', headers: { origin: 'https://evil.example.com' } });
  t.notOk(other.headers['access-control-allow-origin'], 'an origin not listed gets no CORS header');
  const api = await h.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { origin: 'https://app.example.cn' } });
  t.notOk(api.headers['access-control-allow-origin'], 'only Open311, never the staff API');

  const none = await testApp(t);
  const plain = await none.app.inject({ method: 'GET', url: '/open311/v2/services.json', headers: { origin: 'https://app.example.cn' } });
  t.notOk(plain.headers['access-control-allow-origin'], 'no origins configured: no CORS');
  t.throws(() => loadConfig({ SUBAN_OPEN311_CORS_ORIGINS: 'app.example.cn' }), /not an origin/);
  t.throws(() => loadConfig({ SUBAN_OPEN311_CORS_ORIGINS: '*,https://a.example.cn' }), /cannot be combined/);
  t.same(loadConfig({ SUBAN_OPEN311_CORS_ORIGINS: 'https://a.example.cn/, http://localhost:5173' }).open311CorsOrigins, ['https://a.example.cn', 'http://localhost:5173']);
});
