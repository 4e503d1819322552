/**
 * The WeChat Official Account (公众号) inbox behind the webhook (its Fastify routes are
 * src/web/routes/webhooks/wechat-mp.ts): `verify` answers WeChat's URL check, `receive` takes a
 * message in plain or AES safe mode and feeds it to the same conversation engine as the wechaty bot.
 *
 * WeChat waits 5 s for an answer and otherwise retries (up to three times, same MsgId). So each
 * message gets `passiveReplyMs` (4 s): when the engine answers in time its text goes back in the
 * HTTP response (a passive reply); otherwise we answer `success` and the texts follow as
 * customer-service messages. A message is processed once: the DedupeStore claim stops a retry
 * on any instance, in-process retries join the running attempt and get the same answer, and
 * the engine's own seen-marks cover an instance that died half-way.
 *
 * Anything from the network gets a 4xx when it is wrong and never a 5xx: a bad signature 401
 * (nothing is parsed or stored), plain POSTs while safe mode is configured 403, malformed XML
 * 400, more than 64 KiB 413.
 */
import { countingFailures, noMetrics, providerErrors, type MetricsPort } from '../../src/application/ports/metrics.js';
import { createHash } from 'node:crypto';
import { stripBadText } from '../../src/domain/text.js';
import type { Clock } from '../../src/domain/clock.js';
import { AppError } from '../../src/domain/errors.js';
import type { ChatInput } from '../../src/application/conversation/ports.js';
import { T } from '../../src/application/conversation/texts.js';
import { createConversationEngine, type ChatHandler, type ConversationDeps } from '../../src/application/conversation/wiring.js';
import type { SmsSender } from '../../src/application/ports/messaging.js';
import type { DedupeStore } from '../../src/application/ports/misc.js';
import { JOB, type JobHandlers, type JobOf, type JobStore } from '../../src/application/ports/jobs.js';
import { WechatMpCrypto, verifyPlainSignature } from './crypto.js';
import { MAX_XML_BYTES, buildTextReply, dedupeKey, parseEncryptedEnvelope, parseIncomingMessage, sealReply, type IncomingMpMessage } from './xml.js';
import { WechatMpApiClient, WechatMpNotifier, splitUtf8, MAX_TEXT_BYTES, type WechatMpApi } from './api-client.js';

/** Plain mode: how far a push's timestamp may be from our clock, and the scope of the used nonces. */
const PLAIN_WINDOW_S = 5 * 60;
const MP_NONCE_SCOPE = 'wechat-mp.nonce';

interface MpLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The slice of the container the webhook needs; `Container` satisfies it. */
export interface WechatMpDeps extends ConversationDeps {
  metrics?: MetricsPort;
  config: { wechatMp: { token: string; appId: string; secret: string; aesKey: string; apiBase: string } };
  dedupe: DedupeStore;
  sms: SmsSender;
  log: MpLog;
  /** The durable job runner: a message answered `success` before it was handled is finished by a job if this process dies. */
  jobs?: JobStore;
  runner?: JobHandlers;
}

export interface WechatMpOptions {
  /** Defaults to a conversation engine over the deps. */
  engine?: ChatHandler;
  /** Defaults to the HTTP client for config.wechatMp.apiBase. */
  api?: WechatMpApi;
  notifier?: WechatMpNotifier;
  /** How long to wait for the engine before answering `success` (default 4000 ms; WeChat gives up at 5 s). */
  passiveReplyMs?: number;
  /** A claim older than this whose instance never finished is taken over (default 2 × passiveReplyMs). */
  staleClaimMs?: number;
  /** 16 random bytes for the safe-mode envelope (tests reproduce vectors with it). */
  random?: () => Buffer;
}

/** What the webhook answers: a text or XML body, or an error in the one error shape. */
export type MpAnswer = { status: 200; type: 'text/plain; charset=utf-8' | 'application/xml; charset=utf-8'; body: string } | { status: number; error: { code: string; message: string } };

/** The request log of the webhook call (request id included). */
export interface MpRequestLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WechatMp {
  /** Whether the webhook is on (WECHAT_MP_TOKEN is set); without it the routes are not registered. */
  enabled: boolean;
  /** `GET /wechat/mp`: WeChat's URL check. */
  verify(query: Record<string, unknown>): MpAnswer;
  /** `POST /wechat/mp`: one pushed message (the body as received, a string when it was XML). */
  receive(query: Record<string, unknown>, body: unknown, log: MpRequestLog): Promise<MpAnswer>;
  /** Outbound notices (ticket updates) with the 48-hour window and the SMS fallback. */
  notifier: WechatMpNotifier;
  /**
   * A customer-service message or an error: AppError 'unavailable' (wechat_window_closed) outside
   * the 48-hour window, WechatApiError when WeChat refuses. For the 回访 question, whose answer
   * must come back through this chat.
   */
  sendToContact(openid: string, text: string): Promise<void>;
  /** The follower's last message, click or subscribe; null when never seen. */
  lastInboundAt(openid: string): Promise<Date | null>;
  engine: ChatHandler;
  /** Resolves when every reply still being produced or sent in the background is done. */
  idle(): Promise<void>;
}

export const MP_DEDUPE_SCOPE = 'wechat-mp';

/** Said when a genuine message could not be handled; WeChat does not retry after a 200. */
const BUSY_TEXT = T.failed;

type ClaimRecord = { state: 'processing'; startedAt: string } | { state: 'done'; passive: string | null } | { state: 'failed'; at: string };

type JobResult = { kind: 'replies'; replies: string[] } | { kind: 'done'; passive: string | null } | { kind: 'failed' };

/** One message being handled in this process; WeChat's retries of it join instead of starting over. */
interface Job {
  result: Promise<JobResult>;
  /** 'passive' once the replies went into an HTTP answer; 'later' once they go as customer-service messages. */
  mode: 'open' | 'passive' | 'later';
  passive: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Joined replies for one passive message, or null when they do not fit in one. */
function passiveText(replies: string[]): string | null {
  if (replies.length === 0) return null;
  const joined = replies.join('\n\n');
  return splitUtf8(joined, MAX_TEXT_BYTES).length === 1 ? joined : null;
}

const HTTP_URL_RE = /^https?:\/\/[^\s]{1,1000}$/;

/** The neutral chat input for a parsed message; null for kinds the conversation does not take. */
export function toChatInput(m: IncomingMpMessage, now: Date): ChatInput | null {
  // WeChat's CreateTime is the citizen's send time; a wildly different one is not trusted.
  const sent = m.createTime * 1000;
  const at = Math.abs(sent - now.getTime()) < 24 * 3600_000 ? new Date(sent) : now;
  const base = { contactId: m.fromUserName, channel: 'wechat-mp' as const, at, messageId: dedupeKey(m) };
  switch (m.type) {
    case 'text':
      return { ...base, kind: 'text', text: m.content };
    case 'image':
      return { ...base, kind: 'image', ...(HTTP_URL_RE.test(m.picUrl) ? { mediaUrl: m.picUrl } : {}) };
    case 'voice':
      // Voice has no URL; the media id can be fetched through cgi-bin/media/get for 3 days.
      return { ...base, kind: 'voice', mediaUrl: `wechat-mp-media:${m.mediaId}`, ...(m.recognition ? { recognition: m.recognition } : {}) };
    case 'location':
      return { ...base, kind: 'location', location: { lat: m.lat, lng: m.lng, label: m.label } };
    case 'event':
      if (m.event === 'CLICK') return { ...base, kind: 'event', event: 'click', ...(m.eventKey ? { eventKey: m.eventKey } : {}) };
      return { ...base, kind: 'event', event: m.event };
    default:
      return null;
  }
}

export function createWechatMp(deps: WechatMpDeps, opts: WechatMpOptions = {}): WechatMp {
  const cfg = deps.config.wechatMp;
  const clock: Clock = deps.clock;
  const engine: ChatHandler = opts.engine ?? createConversationEngine(deps);
  // Failed calls into WeChat's API are counted (suban_provider_errors_total{provider="wechat"}).
  const api = countingFailures(opts.api ?? new WechatMpApiClient({ apiBase: cfg.apiBase, appId: cfg.appId, secret: cfg.secret }, clock), providerErrors(deps.metrics ?? noMetrics), 'wechat');
  const notifier = opts.notifier ?? new WechatMpNotifier({ state: deps.state, sms: deps.sms, clock, bus: deps.bus, log: deps.log }, api);
  const crypto = cfg.aesKey ? new WechatMpCrypto({ token: cfg.token, encodingAESKey: cfg.aesKey, appId: cfg.appId }, opts.random) : null;
  const passiveReplyMs = opts.passiveReplyMs ?? 4000;
  // A live instance answers within passiveReplyMs; twice that without a result means it died.
  const staleClaimMs = opts.staleClaimMs ?? 2 * passiveReplyMs;
  const jobs = new Map<string, Job>();
  /** The last message of each contact still being handled in this process. */
  const contactTail = new Map<string, Promise<JobResult>>();
  const background = new Set<Promise<unknown>>();

  const track = (p: Promise<unknown>) => {
    const q = p.catch((err) => deps.log.error({ err: String(err) }, 'wechat-mp background work failed')).finally(() => background.delete(q));
    background.add(q);
  };

  /**
   * Claims the message in the DedupeStore; a claim left by a dead instance is taken over. While
   * another instance holds it, the job waits for that result or for the claim to go stale, with
   * no deadline of its own: the HTTP request is answered `success` when its passive window ends,
   * which ends WeChat's retries, so this job is then the message's only chance when the holder
   * had crashed (its replies follow as customer-service messages).
   */
  async function claim(key: string): Promise<JobResult | null> {
    const mine = (): ClaimRecord => ({ state: 'processing', startedAt: clock.now().toISOString() });
    if (await deps.dedupe.claim(MP_DEDUPE_SCOPE, key, clock.now(), mine())) return null;
    for (;;) {
      const rec = (await deps.dedupe.get(MP_DEDUPE_SCOPE, key)) as ClaimRecord | undefined;
      if (rec?.state === 'done') return { kind: 'done', passive: rec.passive };
      const fresh = rec?.state === 'processing' && clock.now().getTime() - Date.parse(rec.startedAt) < staleClaimMs;
      if (!fresh) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await deps.dedupe.set(MP_DEDUPE_SCOPE, key, mine(), clock.now());
    return null;
  }

  function start(key: string, input: ChatInput): Job {
    const job: Job = { mode: 'open', passive: null, result: Promise.resolve({ kind: 'failed' }) };
    // One contact's messages are handled in the order they came: a message still waiting here
    // (on a dead instance's claim, say) holds back the citizen's next one, or the conversation
    // would take the next answer for the first question.
    const before = contactTail.get(input.contactId);
    job.result = (async (): Promise<JobResult> => {
      if (before) await before.catch(() => undefined);
      const earlier = await claim(key);
      if (earlier) return earlier;
      let replies: string[];
      try {
        replies = await engine.handle(input);
      } catch (err) {
        deps.log.error({ err: String(err) }, 'wechat-mp message could not be handled');
        const failed: ClaimRecord = { state: 'failed', at: clock.now().toISOString() };
        await deps.dedupe.set(MP_DEDUPE_SCOPE, key, failed, clock.now()).catch(() => undefined);
        // Requests already answered `success` cannot carry the apology; it follows as a message.
        if (job.mode === 'later') track(notifier.send(input.contactId, [BUSY_TEXT]));
        else job.mode = 'passive';
        return { kind: 'failed' };
      }
      // Decided here, before any waiting request sees the result: a request whose deadline
      // already passed has switched the job to 'later'.
      if (job.mode === 'open') {
        job.passive = passiveText(replies);
        job.mode = job.passive !== null || replies.length === 0 ? 'passive' : 'later';
      }
      if (job.mode === 'later' && replies.length > 0) track(notifier.send(input.contactId, replies));
      const done: ClaimRecord = { state: 'done', passive: job.mode === 'passive' ? job.passive : null };
      await deps.dedupe.set(MP_DEDUPE_SCOPE, key, done, clock.now());
      return { kind: 'replies', replies };
    })().finally(() => {
      if (jobs.get(key) === job) jobs.delete(key);
      if (contactTail.get(input.contactId) === job.result) contactTail.delete(input.contactId);
    });
    contactTail.set(input.contactId, job.result);
    track(job.result);
    return job;
  }

  async function finishLater(key: string, input: ChatInput): Promise<void> {
    if (!deps.jobs) return;
    const payload = { key, input: { ...input, at: input.at.toISOString() } };
    await deps.jobs.enqueue([{ kind: JOB.mpUnanswered, key: `${JOB.mpUnanswered}:${key}`, runAt: new Date(clock.now().getTime() + staleClaimMs), payload }]);
  }

  /**
   * The job behind finishLater: nothing to do when the message was handled (or its failure told
   * to the citizen); while a live instance still holds it, try again later; when its claim went
   * stale, handle it here and send the replies as customer-service messages.
   */
  async function onUnanswered(j: JobOf<typeof JOB.mpUnanswered>): Promise<void> {
    const { key, input: raw } = j.payload;
    const running = jobs.get(key);
    if (running) {
      await running.result;
      return;
    }
    const rec = (await deps.dedupe.get(MP_DEDUPE_SCOPE, key)) as ClaimRecord | undefined;
    if (rec?.state === 'done' || rec?.state === 'failed') return;
    if (rec?.state === 'processing' && clock.now().getTime() - Date.parse(rec.startedAt) < staleClaimMs) throw new Error('still being handled by a live instance');
    const job = start(key, { ...raw, at: new Date(raw.at) });
    job.mode = 'later';
    jobs.set(key, job);
    const r = await job.result;
    if (r.kind === 'replies') deps.log.info({ key: key.slice(-12) }, 'wechat-mp message finished after its instance died');
  }
  if (cfg.token) deps.runner?.register(JOB.mpUnanswered, onUnanswered);

  /** The passive reply text for this request, or null to answer `success`. */
  async function deliver(input: ChatInput): Promise<{ passive: string | null; failed?: boolean }> {
    const key = `${input.contactId}:${input.messageId}`;
    let job = jobs.get(key);
    if (!job) {
      job = start(key, input);
      jobs.set(key, job);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), passiveReplyMs);
    });
    const r = await Promise.race([job.result, timeout]).finally(() => clearTimeout(timer));
    if (r === 'timeout') {
      if (job.mode === 'open') job.mode = 'later';
      // `success` ends WeChat's retries: from here on only this process has the message, so it
      // is written down first, for a job to finish should this process die before the engine does.
      if (job.mode === 'later') await finishLater(key, input);
      return { passive: job.mode === 'passive' ? job.passive : null };
    }
    switch (r.kind) {
      case 'done':
        return { passive: r.passive };
      case 'failed':
        return { passive: null, failed: true };
      case 'replies':
        return { passive: job.mode === 'passive' ? job.passive : null };
    }
  }

  function answer(m: IncomingMpMessage, text: string | null, encrypted: boolean, nonce: string): MpAnswer {
    if (text === null) return { status: 200, type: 'text/plain; charset=utf-8', body: 'success' };
    const createTime = Math.floor(clock.now().getTime() / 1000);
    const xml = buildTextReply({ toUser: m.fromUserName, fromUser: m.toUserName, content: text, createTime });
    const body = encrypted && crypto ? sealReply(crypto, xml, String(createTime), nonce) : xml;
    return { status: 200, type: 'application/xml; charset=utf-8', body };
  }

  function fail(status: number, code: string, message: string): MpAnswer {
    return { status, error: { code, message } };
  }

  /**
   * Plain mode's signature covers only the token, timestamp and nonce, not the body: a captured
   * query would let anyone post any body as any openid. So the timestamp must be within ±5 minutes
   * and a timestamp+nonce is used once (in the database, for every instance). WeChat's own retry
   * of the same push carries the same body and passes: its MsgId de-duplication answers it.
   */
  async function plainReplay(timestamp: string, nonce: string, body: string): Promise<{ code: string; message: string } | null> {
    const now = clock.now();
    const ts = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now.getTime() / 1000 - ts) > PLAIN_WINDOW_S) return { code: 'wechat_stale', message: `timestamp is more than ${PLAIN_WINDOW_S / 60} minutes away` };
    if (nonce.length > 64) return { code: 'wechat_signature', message: 'nonce too long' };
    const digest = createHash('sha256').update(body).digest('hex');
    if (await deps.dedupe.claim(MP_NONCE_SCOPE, `${timestamp}:${nonce}`, now, { body: digest })) return null;
    const seen = (await deps.dedupe.get(MP_NONCE_SCOPE, `${timestamp}:${nonce}`)) as { body?: string } | undefined;
    return seen?.body === digest ? null : { code: 'wechat_replay', message: 'timestamp and nonce were already used with another body' };
  }

  async function receive(q: Record<string, unknown>, rawBody: unknown, log: MpRequestLog): Promise<MpAnswer> {
    const timestamp = str(q.timestamp);
    const nonce = str(q.nonce);
    if (!timestamp || !nonce) return fail(401, 'wechat_signature', 'missing timestamp or nonce');
    const encrypted = q.encrypt_type === 'aes';
    if (!encrypted && !verifyPlainSignature(cfg.token, timestamp, nonce, str(q.signature) ?? '')) {
      return fail(401, 'wechat_signature', 'signature does not match');
    }
    if (encrypted && !crypto) return fail(400, 'wechat_safe_mode_off', 'safe mode is not configured (WECHAT_MP_AES_KEY)');
    // With safe mode configured a plain body is refused: its signature does not cover the body.
    if (!encrypted && crypto) return fail(403, 'wechat_plain_refused', 'this account accepts encrypted messages only');
    if (typeof rawBody !== 'string') return fail(400, 'wechat_xml', 'body must be XML');
    const body = rawBody;
    // With the database down the used nonces cannot be checked: the message is not handled, but
    // it is answered like any other the engine could not take (a 200 with 系统繁忙, so WeChat does
    // not retry and the citizen knows to send it again), never a 4xx with the store's error.
    let replayUnchecked = false;
    if (!encrypted) {
      try {
        const replay = await plainReplay(timestamp, nonce, body);
        if (replay) return fail(401, replay.code, replay.message);
      } catch (err) {
        log.warn({ err: String(err) }, 'wechat-mp nonce store unavailable');
        replayUnchecked = true;
      }
    }

    let m: IncomingMpMessage;
    try {
      let xml = body;
      if (encrypted && crypto) {
        const env = parseEncryptedEnvelope(xml);
        xml = crypto.open({ timestamp, nonce, msgSignature: str(q.msg_signature) ?? '', encrypt: env.encrypt });
      }
      // After the signature and the decryption: NUL and lone surrogates are stripped, not refused (WeChat would retry).
      m = parseIncomingMessage(stripBadText(xml));
    } catch (err) {
      if (err instanceof AppError) {
        if (err.code === 'wechat_signature') return fail(401, err.code, err.message);
        return fail(err.kind === 'too_large' ? 413 : 400, err.code, err.message);
      }
      log.warn({ err: String(err) }, 'wechat-mp body refused');
      return fail(400, 'wechat_xml', 'body could not be read');
    }
    const openid = str(q.openid);
    if (openid && openid !== m.fromUserName) return fail(400, 'wechat_openid', 'openid does not match FromUserName');
    if (replayUnchecked) return answer(m, BUSY_TEXT, encrypted, nonce);

    try {
      await notifier.noteInbound(m.fromUserName, m.type === 'text' ? m.content : undefined);
      const input = toChatInput(m, clock.now());
      if (!input) {
        // Video, links and such get a hint; unknown events (VIEW, LOCATION...) need no answer.
        return answer(m, m.type === 'unsupported' && m.msgType !== 'event' ? T.unsupported : null, encrypted, nonce);
      }
      const out = await deliver(input);
      if (out.failed) return answer(m, BUSY_TEXT, encrypted, nonce);
      return answer(m, out.passive, encrypted, nonce);
    } catch (err) {
      // The message is genuine, so WeChat gets a 200 and the citizen an apology, never a 5xx.
      log.error({ err: String(err) }, 'wechat-mp message failed');
      return answer(m, BUSY_TEXT, encrypted, nonce);
    }
  }

  function verify(q: Record<string, unknown>): MpAnswer {
    const [signature, timestamp, nonce, echostr] = [str(q.signature), str(q.timestamp), str(q.nonce), str(q.echostr)];
    if (!signature || !timestamp || !nonce || echostr === null) return fail(400, 'wechat_verify', 'signature, timestamp, nonce and echostr are required');
    if (!verifyPlainSignature(cfg.token, timestamp, nonce, signature)) return fail(401, 'wechat_signature', 'signature does not match');
    return { status: 200, type: 'text/plain; charset=utf-8', body: echostr };
  }

  async function idle(): Promise<void> {
    while (background.size > 0) await Promise.allSettled([...background]);
  }

  async function lastInboundAt(openid: string): Promise<Date | null> {
    const doc = await notifier.contact(openid);
    const at = doc ? Date.parse(doc.lastInboundAt) : 0;
    return at > 0 ? new Date(at) : null;
  }

  async function sendToContact(openid: string, text: string): Promise<void> {
    if (!(await notifier.inWindow(openid))) throw new AppError('unavailable', 'wechat_window_closed', '超出公众号48小时客服消息时限，无法发送');
    await api.sendText(openid, text);
  }

  return { enabled: !!cfg.token, verify, receive, notifier, engine, idle, sendToContact, lastInboundAt };
}
