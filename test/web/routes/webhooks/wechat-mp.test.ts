import { wechatMpRoutes } from '../../../../src/web/routes/webhooks/wechat-mp.js';
import { VECTOR_B_SEALED } from '../../../fixtures/wechat-mp/vector-b.js';
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { FakeClock } from '../../../../src/domain/clock.js';
import { T } from '../../../../src/application/conversation/texts.js';
import { createConversationEngine, type ChatHandler } from '../../../../src/application/conversation/wiring.js';
import type { ChatInput } from '../../../../src/application/conversation/ports.js';
import { createWechatMp, MP_DEDUPE_SCOPE, type WechatMp } from '../../../../adapters/wechat-mp/inbox.js';
import { JOB } from '../../../../src/application/ports/jobs.js';
import { decryptMessage, msgSignature } from '../../../../adapters/wechat-mp/crypto.js';
import { FakeWechatApi } from '../../../fakes/fake-wechat-api.js';
import { mpXml, replyContent, sha1Sorted, signedQuery, startService, type MpMessage, type WechatService } from '../../../e2e/wechat-harness.js';

const TOKEN = 'suban-test-token';
const APPID = 'wx0123456789abcdef';
const SECRET = 'test-secret';

/** An engine whose calls can be held back, to play a slow database or classifier. */
class GatedEngine implements ChatHandler {
  calls: ChatInput[] = [];
  failNext = false;
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  constructor(private readonly inner: ChatHandler) {}
  hold() {
    this.gate = new Promise((r) => (this.open = r));
  }
  release() {
    this.open?.();
    this.gate = null;
  }
  async handle(input: ChatInput) {
    this.calls.push(input);
    if (this.gate) await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database went away');
    }
    return this.inner.handle(input);
  }
}

interface Plain {
  svc: WechatService;
  mp: WechatMp;
  engine: GatedEngine;
  fake: FakeWechatApi;
  clock: FakeClock;
  post(body: string, opts?: { query?: string; contentType?: string }): Promise<{ status: number; body: string; type: string }>;
  send(m: Omit<MpMessage, 'createTime'> & { createTime?: number }): Promise<{ status: number; body: string; type: string; text: string | null }>;
}

let msgSeq = 7_000_000_000_000_000_000n;
const nextMsgId = () => String(++msgSeq);

/**
 * The passive-reply window is wall-clock time while the engine runs for real (the first text loads
 * the classifier): a window shorter than the engine's real latency makes the passive answers
 * depend on the machine's load. Tests whose engine must answer within it get a window no working
 * engine misses; tests that need the window to end hold the engine (or the claim) behind a gate,
 * so how soon it ends changes only how long they take, not what they see.
 */
const ANSWERING_WINDOW_MS = 15_000;
const ENDING_WINDOW_MS = 300;

async function plainService(t: Test, passiveReplyMs: number): Promise<Plain> {
  const fake = new FakeWechatApi(APPID, SECRET);
  const apiBase = await fake.start();
  t.teardown(() => fake.stop());
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  let mp!: WechatMp;
  let engine!: GatedEngine;
  const svc = await startService(t, {
    clock,
    env: { WECHAT_MP_TOKEN: TOKEN, WECHAT_MP_APPID: APPID, WECHAT_MP_SECRET: SECRET, WECHAT_API_BASE: apiBase },
    plugins: (ctx) => {
      engine = new GatedEngine(createConversationEngine(ctx));
      mp = createWechatMp(ctx, { engine, passiveReplyMs });
      return [wechatMpRoutes(mp, ctx.log)];
    },
  });
  let nonces = 0;
  const post: Plain['post'] = async (body, o = {}) => {
    const ts = String(Math.floor(clock.now().getTime() / 1000));
    const res = await svc.app.inject({
      method: 'POST',
      // A fresh nonce per push, as WeChat sends: plain mode refuses a used one with another body (issue 19).
      url: `/wechat/mp?${o.query ?? signedQuery(TOKEN, ts, `n0nce${++nonces}`)}`,
      headers: { 'content-type': o.contentType ?? 'text/xml' },
      payload: body,
    });
    return { status: res.statusCode, body: res.body, type: String(res.headers['content-type'] ?? '') };
  };
  const send: Plain['send'] = async (m) => {
    const r = await post(mpXml({ createTime: Math.floor(clock.now().getTime() / 1000), msgId: m.type === 'event' ? undefined : nextMsgId(), ...m }));
    return { ...r, text: r.status === 200 ? replyContent(r.body) : null };
  };
  return { svc, mp, engine, fake, clock, post, send };
}

async function countTickets(svc: WechatService) {
  return (await svc.ctx.ticketStore.list({}, { limit: 100 })).items;
}

t.test('plain mode', async (t) => {
  const s = await plainService(t, ANSWERING_WINDOW_MS);
  const { svc, clock } = s;
  // Its own service: the held-back engines and claims below leave no replies in the first one's.
  const w = await plainService(t, ENDING_WINDOW_MS);

  t.test('GET URL verification echoes echostr only for a good signature', async (t) => {
    const ts = '1764122400';
    const ok = await svc.app.inject({ method: 'GET', url: `/wechat/mp?${signedQuery(TOKEN, ts, 'abc', { echostr: 'echo-5566' })}` });
    t.equal(ok.statusCode, 200);
    t.equal(ok.body, 'echo-5566');
    const bad = await svc.app.inject({ method: 'GET', url: `/wechat/mp?${signedQuery('other-token', ts, 'abc', { echostr: 'echo-5566' })}` });
    t.equal(bad.statusCode, 401);
    t.notMatch(bad.body, /echo-5566/);
    const missing = await svc.app.inject({ method: 'GET', url: '/wechat/mp?echostr=x' });
    t.equal(missing.statusCode, 400);
  });

  t.test('a bad signature is refused with 401 and nothing is stored', async (t) => {
    const ts = String(Math.floor(clock.now().getTime() / 1000));
    const body = mpXml({ from: 'oForged', createTime: Number(ts), msgId: nextMsgId(), type: 'text', content: '解放路路灯坏了' });
    for (const query of [signedQuery('wrong-token', ts, 'n'), `timestamp=${ts}&nonce=n`, '', `signature=${sha1Sorted([TOKEN, ts, 'n'])}&timestamp=${Number(ts) + 1}&nonce=n`]) {
      const r = await s.post(body, { query });
      t.equal(r.status, 401, `query "${query}"`);
    }
    t.same(await svc.ctx.state.list('conversation', clock.now()), [], 'no conversation state');
    t.equal(await svc.ctx.state.get('wechat-mp-contact', 'oForged', clock.now()), null, 'no contact record');
    t.equal(s.engine.calls.length, 0, 'engine never called');
    t.equal((await countTickets(svc)).length, 0);
  });

  t.test('passive replies: welcome on subscribe, menu click, text answered in the HTTP response', async (t) => {
    const sub = await s.send({ from: 'oPassive', type: 'event', event: 'subscribe' });
    t.equal(sub.status, 200);
    t.match(sub.type, /xml/);
    t.equal(sub.text, T.welcome);
    t.match(sub.body, /<ToUserName><!\[CDATA\[oPassive\]\]><\/ToUserName><FromUserName><!\[CDATA\[gh_hotline12345\]\]><\/FromUserName>/);
    clock.advance(1000);
    const click = await s.send({ from: 'oPassive', type: 'event', event: 'CLICK', eventKey: 'REPORT' });
    t.equal(click.text, T.askDescription);
    const summary = await s.send({ from: 'oPassive', type: 'text', content: '解放路的路灯坏了三盏，晚上很黑' });
    t.match(summary.text, /【问题】解放路的路灯坏了三盏/);
    const video = await s.send({ from: 'oPassive', type: 'video' });
    t.equal(video.text, T.unsupported);
    const view = await s.send({ from: 'oPassive', type: 'event', event: 'VIEW', eventKey: 'https://example.cn' });
    t.equal(view.body, 'success', 'unknown events need no answer');
  });

  t.test('retries of one MsgId, sequential and concurrent, are processed once and answered alike', async (t) => {
    const from = 'oRetry';
    await s.send({ from, type: 'text', content: '解放路的路灯坏了三盏，晚上很黑' });
    const ts = Math.floor(clock.now().getTime() / 1000);
    const msgId = nextMsgId();
    const yes = mpXml({ from, createTime: ts, msgId, type: 'text', content: '是' });
    const callsBefore = s.engine.calls.length;
    const concurrent = await Promise.all([s.post(yes), s.post(yes), s.post(yes)]);
    const later = await s.post(yes);
    t.equal(s.engine.calls.length, callsBefore + 1, 'the engine saw the message once');
    for (const r of [...concurrent, later]) {
      t.equal(r.status, 200);
      t.equal(r.body, concurrent[0].body, 'every copy gets the same passive reply');
    }
    t.match(replyContent(concurrent[0].body), /工单号：\d{8}-\d{4}/);
    const mine = (await countTickets(svc)).filter((x) => x.contact === from);
    t.equal(mine.length, 1, 'one ticket');
    t.match(await svc.ctx.dedupe.get(MP_DEDUPE_SCOPE, `${from}:${msgId}`), { state: 'done' });
  });

  t.test('a slow answer: success within the deadline, then customer-service messages; a retry meanwhile joins', async (t) => {
    const from = 'oSlow';
    w.engine.hold();
    const ts = Math.floor(w.clock.now().getTime() / 1000);
    const body = mpXml({ from, createTime: ts, msgId: nextMsgId(), type: 'text', content: '你好' });
    // Both answered while the engine still holds the message: at the deadline, not when it finished.
    const [first, retry] = await Promise.all([w.post(body), w.post(body)]);
    t.equal(first.body, 'success');
    t.equal(retry.body, 'success');
    t.equal(w.fake.sent.length, 0);
    w.engine.release();
    await w.fake.waitForSent(1);
    await w.mp.idle();
    const sent = w.fake.sent;
    t.equal(w.engine.calls.filter((c) => c.contactId === from).length, 1);
    t.same(
      sent.map((m) => [m.touser, m.content]),
      [
        [from, T.greeting],
        [from, T.askDescription],
      ],
      'each reply as its own customer-service message, in order',
    );
    const again = await w.post(body);
    t.equal(again.body, 'success', 'a late retry after customer-service delivery says success, not the text again');
    t.equal(w.fake.sent.length, sent.length);
  });

  t.test('replies too long for one passive message go as customer-service messages', async (t) => {
    const from = 'oLong';
    const before = s.fake.sent.length;
    const r = await s.send({ from, type: 'text', content: `解放路的路灯坏了${'很'.repeat(700)}` });
    t.equal(r.body, 'success');
    await s.mp.idle();
    const mine = s.fake.sent.slice(before).filter((m) => m.touser === from);
    t.equal(mine[0].content, T.greeting);
    t.match(mine.slice(1).map((m) => m.content).join(''), /【问题】解放路的路灯坏了很很很/);
    for (const m of mine) t.ok(Buffer.byteLength(m.content) <= 2048, 'each within WeChat\'s limit');
  });

  t.test('a failure inside is an apology with 200, and WeChat\'s retry of that MsgId is handled afresh', async (t) => {
    const from = 'oFail';
    const body = mpXml({ from, createTime: Math.floor(clock.now().getTime() / 1000), msgId: nextMsgId(), type: 'text', content: '你好' });
    s.engine.failNext = true;
    const first = await s.post(body);
    t.equal(first.status, 200);
    t.match(replyContent(first.body), /系统繁忙/);
    const retry = await s.post(body);
    t.equal(replyContent(retry.body), `${T.greeting}\n\n${T.askDescription}`);
  });

  t.test('a claim held by another instance: success; a stale one is taken over', async (t) => {
    const from = 'oOther';
    const ts = Math.floor(w.clock.now().getTime() / 1000);
    const msgId = nextMsgId();
    await w.svc.ctx.dedupe.claim(MP_DEDUPE_SCOPE, `${from}:${msgId}`, w.clock.now(), { state: 'processing', startedAt: w.clock.now().toISOString() });
    const body = mpXml({ from, createTime: ts, msgId, type: 'text', content: '你好' });
    const busy = await w.post(body);
    t.equal(busy.body, 'success');
    t.equal(w.engine.calls.filter((c) => c.contactId === from).length, 0, 'nothing is done twice while the holder may be alive');
    // `success` ends WeChat's retries: the job keeps waiting on the claim in the background, and
    // when the holder never finishes (it crashed) it takes the message over itself.
    const sentBefore = w.fake.sent.length;
    w.clock.advance(31_000);
    await w.mp.idle();
    t.equal(w.engine.calls.filter((c) => c.contactId === from).length, 1, 'the stale claim was taken over');
    const mine = w.fake.sent.slice(sentBefore).filter((m) => m.touser === from).map((m) => m.content);
    t.same(mine, [T.greeting, T.askDescription], 'its replies went as customer-service messages');
    const late = await w.post(body);
    t.equal(late.body, 'success', 'a retry after that changes nothing');
    t.equal(w.engine.calls.filter((c) => c.contactId === from).length, 1);
  });

  t.test("a contact's messages are handled in order, also when the first waits on a dead instance's claim", async (t) => {
    const from = 'oOrder';
    const ts = Math.floor(w.clock.now().getTime() / 1000);
    const first = nextMsgId();
    await w.svc.ctx.dedupe.claim(MP_DEDUPE_SCOPE, `${from}:${first}`, w.clock.now(), { state: 'processing', startedAt: w.clock.now().toISOString() });
    t.equal((await w.post(mpXml({ from, createTime: ts, msgId: first, type: 'text', content: '金都小区门口的路灯坏了' }))).body, 'success');
    t.equal((await w.post(mpXml({ from, createTime: ts + 5, msgId: nextMsgId(), type: 'text', content: '象湖镇金都小区' }))).body, 'success', 'the next message waits behind it');
    t.equal(w.engine.calls.filter((c) => c.contactId === from).length, 0, 'neither handled while the claim may still be alive');
    w.clock.advance(31_000);
    await w.mp.idle();
    t.same(w.engine.calls.filter((c) => c.contactId === from).map((c) => c.text), ['金都小区门口的路灯坏了', '象湖镇金都小区'], 'in the order the citizen sent them');
  });

  t.test('a message answered `success` before it was handled is finished by a job when its instance dies', async (t) => {
    const from = 'oSlow';
    const msgId = nextMsgId();
    const body = mpXml({ from, createTime: Math.floor(w.clock.now().getTime() / 1000), msgId, type: 'text', content: '你好' });
    w.engine.hold();
    const first = await w.post(body);
    t.equal(first.body, 'success', 'the engine was slower than the passive window');
    t.ok(await w.svc.ctx.jobs.get(`${JOB.mpUnanswered}:${from}:${msgId}`), 'written down before `success` went out');
    // The restarted process: the same database, its own engine and job handler; the old engine never answers.
    const engine2 = new GatedEngine(createConversationEngine(w.svc.ctx));
    const restarted = createWechatMp(w.svc.ctx, { engine: engine2, passiveReplyMs: ENDING_WINDOW_MS });
    const sentBefore = w.fake.sent.length;
    await w.svc.ctx.runner.runDue();
    t.equal(engine2.calls.length, 0, 'not before the claim of the dead instance went stale');
    w.clock.advance(10_000);
    await w.svc.ctx.runner.runDue();
    t.equal(engine2.calls.filter((c) => c.contactId === from).length, 1, 'handled by the restarted process');
    await restarted.idle();
    const mine = w.fake.sent.slice(sentBefore).filter((m) => m.touser === from).map((m) => m.content);
    t.ok(mine.length > 0, 'its replies went as customer-service messages');
    t.equal(((await w.svc.ctx.dedupe.get(MP_DEDUPE_SCOPE, `${from}:${msgId}`)) as { state: string }).state, 'done');
    // Let the "dead" process's call end (as a failure) so the app can close.
    w.engine.failNext = true;
    w.engine.release();
    await w.mp.idle();
  });

  t.test('bodies that are not WeChat XML get 4xx', async (t) => {
    const huge = `<xml><ToUserName>a</ToUserName><Content>${'x'.repeat(70 * 1024)}</Content></xml>`;
    t.equal((await s.post(huge)).status, 413, 'over 64 KiB as text/xml');
    t.equal((await s.post(huge, { contentType: 'text/plain' })).status, 413, 'over 64 KiB as text/plain');
    t.equal((await s.post('{"a":1}', { contentType: 'application/json' })).status, 400);
    t.equal((await s.post('<xml><ToUserName>a</ToUserName>')).status, 400);
    t.equal((await s.post('')).status, 400);
    t.equal((await s.post('<!DOCTYPE x [<!ENTITY e "boom">]><xml>&e;</xml>')).status, 400);
    const r = await s.post(mpXml({ from: 'oA', createTime: 1, msgId: '1', type: 'text', content: 'x' }), {
      query: signedQuery(TOKEN, String(Math.floor(clock.now().getTime() / 1000)), 'n0nce', { openid: 'oB' }),
    });
    t.equal(r.status, 400, 'openid in the query must be the sender');
  });

  t.test('without WECHAT_MP_TOKEN the plugin registers nothing', async (t) => {
    const { default: Fastify } = await import('fastify');
    const off = createWechatMp({ ...svc.ctx, config: { ...svc.ctx.config, wechatMp: { ...svc.ctx.config.wechatMp, token: '' } } });
    const bare = Fastify();
    t.teardown(() => bare.close());
    await bare.register(wechatMpRoutes(off, svc.ctx.log));
    t.equal((await bare.inject({ method: 'GET', url: '/wechat/mp' })).statusCode, 404);
    t.equal((await bare.inject({ method: 'POST', url: '/wechat/mp', headers: { 'content-type': 'text/xml' }, payload: '<xml/>' })).statusCode, 404);
  });

  t.test('fuzz: a few thousand malformed bodies never get a 5xx', async (t) => {
    const valid = mpXml({ from: 'oFuzz', createTime: 1764122400, msgId: '1', type: 'text', content: '路灯坏了' });
    const tags = ['xml', 'ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Content', 'MsgId', 'Encrypt', 'Event', 'Location_X'];
    const fragment = fc.oneof(
      fc.constantFrom(...tags).map((n) => `<${n}>`),
      fc.constantFrom(...tags).map((n) => `</${n}>`),
      fc.constantFrom('<![CDATA[', ']]>', '<!DOCTYPE', '<!ENTITY', '&amp;', '&#0;', '&x;', '<?xml version="1.0"?>', '\u0000', '\uFFFF', '<', '>', '"', "'", '/>', '<!--', '-->'),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('text', 'image', 'voice', 'location', 'event', 'subscribe', 'CLICK', '1e309', '-0', 'NaN', '9'.repeat(30)),
    );
    const body = fc.oneof(
      { weight: 3, arbitrary: fc.array(fragment, { maxLength: 40 }).map((a) => a.join('')) },
      { weight: 3, arbitrary: fc.tuple(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 8 })).map(([a, b, ins]) => valid.slice(0, Math.min(a, b)) + ins + valid.slice(Math.max(a, b))) },
      { weight: 1, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...tags), fc.nat(12)).map(([tag, depth]) => `<xml>${`<${tag}>`.repeat(depth)}x${`</${tag}>`.repeat(depth)}</xml>`) },
    );
    const contentType = fc.constantFrom('text/xml', 'application/xml', 'text/plain', 'text/xml; charset=utf-8');
    let runs = 0;
    let fiveHundreds = 0;
    await fc.assert(
      fc.asyncProperty(body, contentType, async (b, ct) => {
        runs++;
        const r = await s.post(b, { contentType: ct });
        if (r.status >= 500) fiveHundreds++;
        return r.status < 500 && (r.status === 200 || r.status === 400 || r.status === 413 || r.status === 415);
      }),
      { numRuns: 2000, seed: 20261126 },
    );
    await s.mp.idle();
    t.equal(runs, 2000);
    t.equal(fiveHundreds, 0);
  });
});

// Vector B of protocol-vectors.md: the account, and a message WeChat sealed for it.
const B = VECTOR_B_SEALED;

t.test('AES safe mode (vector B)', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const svc = await startService(t, {
    clock,
    env: { WECHAT_MP_TOKEN: B.token, WECHAT_MP_APPID: B.appId, WECHAT_MP_SECRET: 's', WECHAT_MP_AES_KEY: B.key, WECHAT_API_BASE: 'http://127.0.0.1:9' },
    plugins: (ctx) => [wechatMpRoutes(createWechatMp(ctx), ctx.log)],
  });
  const envelope = `<xml><ToUserName><![CDATA[${B.appId}]]></ToUserName><Encrypt><![CDATA[${B.encrypt}]]></Encrypt></xml>`;
  const post = (query: string, body = envelope) => svc.app.inject({ method: 'POST', url: `/wechat/mp?${query}`, headers: { 'content-type': 'text/xml' }, payload: body });
  const aesQuery = (sig: string) => new URLSearchParams({ timestamp: B.timestamp, nonce: B.nonce, encrypt_type: 'aes', msg_signature: sig, signature: sha1Sorted([B.token, B.timestamp, B.nonce]) }).toString();

  t.test('the vector request decrypts, and the encrypted passive reply verifies and decrypts', async (t) => {
    const res = await post(aesQuery(B.signature));
    t.equal(res.statusCode, 200);
    const env = /<Encrypt><!\[CDATA\[(.+?)\]\]><\/Encrypt><MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]><\/MsgSignature><TimeStamp>(\d+)<\/TimeStamp><Nonce><!\[CDATA\[(.+?)\]\]><\/Nonce>/.exec(res.body);
    t.ok(env, 'a safe-mode reply envelope');
    const [, encrypt, sig, ts, nonce] = env!;
    t.equal(nonce, B.nonce);
    t.equal(Number(ts), Math.floor(clock.now().getTime() / 1000));
    t.equal(sig, msgSignature(B.token, ts, nonce, encrypt), 'MsgSignature covers the reply');
    const inner = decryptMessage({ encodingAESKey: B.key, appId: B.appId, encrypt });
    t.match(inner, /<ToUserName><!\[CDATA\[mycreate\]\]><\/ToUserName><FromUserName><!\[CDATA\[wx5823bf96d3bd56c7\]\]><\/FromUserName>/);
    t.equal(replyContent(inner), `${T.greeting}\n\n${T.askDescription}`, '"hello" is a greeting');
    t.match(await svc.ctx.dedupe.get(MP_DEDUPE_SCOPE, 'mycreate:4561255354251345929'), { state: 'done' });
    const retry = await post(aesQuery(B.signature));
    t.equal(decryptMessage({ encodingAESKey: B.key, appId: B.appId, encrypt: /<Encrypt><!\[CDATA\[(.+?)\]\]>/.exec(retry.body)![1] }), inner, 'a retry gets the same reply');
  });

  t.test('bad msg_signature: 401 and nothing stored; plain POST refused; garbage ciphertext 400', async (t) => {
    const stateBefore = await svc.ctx.state.list('conversation', clock.now());
    const bad = await post(aesQuery('0'.repeat(40)));
    t.equal(bad.statusCode, 401);
    const tampered = B.encrypt.replace('Ryp', 'Ryq');
    const tamperedRes = await post(aesQuery(B.signature), envelope.replace(B.encrypt, tampered));
    t.equal(tamperedRes.statusCode, 401, 'the signature covers the ciphertext');
    t.same(await svc.ctx.state.list('conversation', clock.now()), stateBefore, 'nothing stored');

    const plain = await post(signedQuery(B.token, B.timestamp, B.nonce), mpXml({ from: 'oPlain', createTime: 1, msgId: '5', type: 'text', content: '你好' }));
    t.equal(plain.statusCode, 403, 'safe mode refuses plain bodies');

    const garbage = 'AAAA'.repeat(8);
    const g = await post(aesQuery(msgSignature(B.token, B.timestamp, B.nonce, garbage)), envelope.replace(B.encrypt, garbage));
    t.equal(g.statusCode, 400);
  });

  t.test('fuzz: malformed envelopes with valid signatures never get a 5xx', async (t) => {
    const b64 = fc.string({ maxLength: 200, unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='.split('')) });
    await fc.assert(
      fc.asyncProperty(b64, fc.boolean(), async (enc, wrap) => {
        const body = wrap ? `<xml><Encrypt><![CDATA[${enc}]]></Encrypt></xml>` : enc;
        const res = await post(aesQuery(msgSignature(B.token, B.timestamp, B.nonce, enc)), body);
        return res.statusCode < 500;
      }),
      { numRuns: 500, seed: 5 },
    );
  });
});
