import t from 'tap';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import type { InjectOptions } from 'fastify';
import twilio from 'twilio';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/domain/clock.js';
import { buildApp } from '../../src/web/app.js';
import { seed } from '../../src/application/seed.js';
import { signedHeaders } from '../../src/application/platforms/signature.js';
import { classifier, LogSink } from '../helpers/app.js';
import { ENGINES, dropSchema, newSchemaName } from '../helpers/db.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { signedQuery } from '../e2e/wechat-harness.js';

/**
 * The public surface under malformed input: Twilio webhooks (signed and unsigned), the WeChat
 * Official Account endpoint (signed), Open311, the platform push endpoint (signed), and the
 * operator websocket. At least 10,000 generated requests (with test/fuzz/api-fuzz.test.ts over the
 * REST API): no 5xx, no crash, heap stable.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 7500);
const PUBLIC = 'https://hotline.example.cn';
const TOKEN = 'tw-fuzz-token';
const MP_TOKEN = 'mp-fuzz-token';
const PLATFORM_SECRET = 'platform-fuzz-secret';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

if (!process.env.SUBAN_TEST_PG_URL) t.comment('public endpoint fuzz on PostgreSQL skipped: SUBAN_TEST_PG_URL is not set');

// The same inputs on both engines: PostgreSQL refuses text (NUL, lone surrogates) that SQLite stores.
for (const engine of ENGINES) t.test(`public endpoints on ${engine}: no 5xx for any input, memory stable`, async (t) => {
  const schema = engine === 'pg' ? newSchemaName() : undefined;
  const fake = new FakeTwilio('AC00000000000000000000000000000000', TOKEN);
  await fake.listen();
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const config = loadConfig({
    DATABASE_URL: engine === 'pg' ? process.env.SUBAN_TEST_PG_URL! : 'sqlite::memory:',
    SUBAN_PUBLIC_URL: PUBLIC,
    SUBAN_LOG_LEVEL: 'warn',
    SUBAN_VOICE: 'twilio',
    SUBAN_SMS: 'twilio',
    TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_FROM: '+8612345000',
    WECHAT_MP_TOKEN: MP_TOKEN,
    WECHAT_MP_APPID: 'wx0000000000000000',
    WECHAT_MP_SECRET: 'secret',
    WECHAT_API_BASE: 'http://127.0.0.1:9',
    SUBAN_WEBHOOK_RATE_LIMIT: '0',
    SUBAN_PLATFORM_HOTLINE_12315_SECRET: PLATFORM_SECRET,
  });
  const ctx = await createContainer(config, createLogger('warn', new LogSink()), { clock, pgSchema: schema, classifier: classifier(), voice: { twilioHttpClient: fake.httpClient() } });
  await seed(ctx, false);
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  t.teardown(async () => {
    await app.close();
    await ctx.close();
    await fake.close();
    if (schema) await dropSchema(process.env.SUBAN_TEST_PG_URL!, schema);
  });
  const op = await ctx.auth.addUser({ name: 'fuzz-op', role: 'operator' });
  const opToken = await ctx.auth.issueToken(op.id);

  const str = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', '%', '%ZZ', '\u0000', '<xml>', '"]]>', 'CA'.padEnd(34, '0'), '+8613800000000', '1'.repeat(500)));
  const twParams = fc.dictionary(fc.constantFrom('CallSid', 'From', 'To', 'Digits', 'SpeechResult', 'RecordingUrl', 'CallStatus', 'AnsweredBy', 'Body', 'MessageSid', 'QueueResult', 'turn', 'x'), str, { maxKeys: 8 });
  const twPath = fc.constantFrom('/twilio/voice', '/twilio/status', '/twilio/sms', '/twilio/voice?turn=1', '/twilio/voice/gather?call=CA1&turn=2', '/twilio/nope');
  const xml = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom('<xml>', '<xml><MsgType>text</MsgType></xml>', '<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>', '<xml><ToUserName><![CDATA[x]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[路灯坏了]]></Content><MsgId>1</MsgId></xml>', '<a>'.repeat(50)),
    fc.record({ type: fc.constantFrom('text', 'image', 'voice', 'location', 'event', 'video', 'weird'), content: fc.string({ maxLength: 80 }), id: fc.bigInt({ min: 0n, max: 2n ** 64n }) }).map(
      (m) => `<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_${m.id % 50n}]]></FromUserName><CreateTime>${m.id % 100000n}</CreateTime><MsgType><![CDATA[${m.type}]]></MsgType><Content><![CDATA[${m.content}]]></Content><MsgId>${m.id}</MsgId></xml>`,
    ),
  );
  const o311Path = fc.constantFrom('services.json', 'services.xml', 'services/u00000000.json', 'requests.json', 'requests.xml', 'requests/x.json', 'tokens/abc.json', 'nothing.json', 'requests.json?page=-1', 'requests.json?start_date=yesterday&status=maybe');
  const o311Form = fc.dictionary(fc.constantFrom('api_key', 'service_code', 'description', 'lat', 'long', 'address_string', 'email', 'phone', 'media_url', 'jurisdiction_id'), str, { maxKeys: 7 });
  const caseBody = fc.oneof(fc.json(), fc.string(), fc.record({ caseId: str, title: str, content: str, phone: str, category: str }, { requiredKeys: [] }).map((o) => JSON.stringify(o)));

  const fives: string[] = [];
  let mpNonce = 0; // plain mode refuses a used nonce with another body (issue 19)
  const check = (what: string, status: number, body: string) => {
    if (status >= 500) fives.push(`${what} → ${status} ${body.slice(0, 160)}`);
  };
  const inject = (o: InjectOptions) => app.inject(o) as Promise<{ statusCode: number; body: string }>;
  const warm = heapMb();

  const kinds = fc.oneof(
    fc.record({ k: fc.constant('twilio' as const), path: twPath, params: twParams, signed: fc.boolean() }),
    fc.record({ k: fc.constant('wechat' as const), body: xml, signed: fc.boolean(), ct: fc.constantFrom('text/xml', 'application/xml', 'text/plain', 'application/json') }),
    fc.record({ k: fc.constant('open311' as const), path: o311Path, form: o311Form, post: fc.boolean() }),
    fc.record({ k: fc.constant('platform' as const), body: caseBody, signed: fc.boolean(), slug: fc.constantFrom('hotline-12315', 'no-such-platform') }),
  );
  await fc.assert(
    fc.asyncProperty(kinds, async (c) => {
      if (c.k === 'twilio') {
        const url = `${PUBLIC}${c.path}`;
        const sig = c.signed ? twilio.getExpectedTwilioSignature(TOKEN, url, c.params) : 'bad';
        const r = await inject({ method: 'POST', url: c.path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, payload: new URLSearchParams(c.params).toString() });
        check(`twilio ${c.path}`, r.statusCode, r.body);
      } else if (c.k === 'wechat') {
        const ts = String(Math.floor(clock.now().getTime() / 1000));
        const q = c.signed ? signedQuery(MP_TOKEN, ts, `nonce${++mpNonce}`) : 'signature=x&timestamp=1&nonce=2';
        const r = await inject({ method: 'POST', url: `/wechat/mp?${q}`, headers: { 'content-type': c.ct }, payload: c.body });
        check('wechat', r.statusCode, r.body);
      } else if (c.k === 'open311') {
        const url = `/open311/v2/${c.path}`;
        const r = c.post
          ? await inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(c.form).toString() })
          : await inject({ method: 'GET', url });
        check(`open311 ${c.path}`, r.statusCode, r.body);
      } else {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...(c.signed ? signedHeaders(PLATFORM_SECRET, c.body, clock.now()) : {}) };
        const r = await inject({ method: 'POST', url: `/platforms/${c.slug}/cases`, headers, payload: c.body });
        check(`platform ${c.slug}`, r.statusCode, r.body);
      }
      return true;
    }),
    { numRuns: RUNS, seed: 12345 },
  );

  // The operator websocket: bad tokens are refused; garbage frames from a good client do not hurt the server.
  const wsFrames = fc.sample(fc.oneof(fc.string({ maxLength: 200 }), fc.json()), 300);
  for (const [i, frame] of wsFrames.entries()) {
    const token = i % 3 === 0 ? opToken : i % 3 === 1 ? 'sbn_garbage' : '';
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/operator${token ? `?token=${encodeURIComponent(token)}` : ''}`);
      const done = () => {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        resolve();
      };
      ws.on('open', () => {
        ws.send(frame);
        setTimeout(done, 5);
      });
      ws.on('unexpected-response', (_req, res) => {
        if ((res.statusCode ?? 0) >= 500) fives.push(`ws upgrade → ${res.statusCode}`);
        done();
      });
      ws.on('error', done);
    });
  }
  const after = heapMb();
  t.same(fives, [], `no 5xx over ${RUNS} requests and ${wsFrames.length} websocket sessions`);
  t.ok(after - warm < 64, `heap stable: ${warm.toFixed(1)} MB → ${after.toFixed(1)} MB`);
  t.equal((await inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'still serving');
});
