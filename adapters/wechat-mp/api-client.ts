/**
 * The WeChat Official Account API as Suban uses it: an access_token and customer-service (客服)
 * text messages, plus the rule that decides whether a notice may go to WeChat at all.
 *
 * WeChat lets an account message a citizen only within 48 hours of the citizen's last message
 * (or menu click, or subscribe). Outside that window, or when WeChat refuses, the notice goes by
 * SMS when the citizen's phone is known, and is otherwise recorded as undelivered.
 */
import type { Clock } from '../../src/domain/clock.js';
import { AppError } from '../../src/domain/errors.js';
import type { SmsSender } from '../../src/application/ports/messaging.js';
import type { EventBus } from '../../src/application/ports/events.js';
import type { StateStore } from '../../src/application/ports/misc.js';
import { recordUndelivered } from '../../src/application/conversation/wiring.js';

export interface WechatMpApiConfig {
  /** https://api.weixin.qq.com, or a loopback fake in tests */
  apiBase: string;
  appId: string;
  secret: string;
}

export interface WechatMpApiOptions {
  /** Refresh this long before WeChat's stated expiry (default 5 min). */
  refreshMarginMs?: number;
  /** Per HTTP request (default 5 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** access_token invalid (40001), expired (42001) or not the latest (40014): fetch a new one once. */
const TOKEN_ERRCODES = new Set([40001, 40014, 42001]);
/** WeChat's limit for one text message is 2048 bytes; stay a little under it. */
export const MAX_TEXT_BYTES = 2000;

export class WechatApiError extends AppError {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super('unavailable', 'wechat_api', `WeChat API error ${errcode}: ${errmsg}`, { errcode });
  }
}

/** The part of the client the notifier needs; tests may pass their own. */
export interface WechatMpApi {
  sendText(openid: string, content: string): Promise<void>;
}

/** Splits text into pieces of at most maxBytes UTF-8 bytes without cutting a character. */
export function splitUtf8(text: string, maxBytes = MAX_TEXT_BYTES): string[] {
  const out: string[] = [];
  let cur = '';
  let curBytes = 0;
  for (const ch of text) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (curBytes + b > maxBytes && cur) {
      out.push(cur);
      cur = '';
      curBytes = 0;
    }
    cur += ch;
    curBytes += b;
  }
  if (cur || out.length === 0) out.push(cur);
  return out;
}

export class WechatMpApiClient implements WechatMpApi {
  private token: { value: string; refreshAt: number } | null = null;
  private fetching: Promise<string> | null = null;
  private readonly marginMs: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  /** How many times a token was fetched; for metrics and tests. */
  tokenFetches = 0;

  constructor(
    private readonly cfg: WechatMpApiConfig,
    private readonly clock: Clock,
    opts: WechatMpApiOptions = {},
  ) {
    this.marginMs = opts.refreshMarginMs ?? 5 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
  }

  /** The cached token, fetched when missing or near expiry; concurrent callers share one fetch. */
  async accessToken(): Promise<string> {
    if (this.token && this.clock.now().getTime() < this.token.refreshAt) return this.token.value;
    this.fetching ??= this.fetchToken().finally(() => {
      this.fetching = null;
    });
    return this.fetching;
  }

  /** Drops the cached token (WeChat said it is no longer valid). */
  invalidate(token?: string): void {
    if (!token || this.token?.value === token) this.token = null;
  }

  private async fetchToken(): Promise<string> {
    if (!this.cfg.appId || !this.cfg.secret) throw new AppError('unavailable', 'wechat_not_configured', 'WECHAT_MP_APPID/WECHAT_MP_SECRET are not set');
    const url = `${this.cfg.apiBase}/cgi-bin/token?grant_type=client_credential&appid=${encodeURIComponent(this.cfg.appId)}&secret=${encodeURIComponent(this.cfg.secret)}`;
    const requestedAt = this.clock.now().getTime();
    const body = await this.request(url, { method: 'GET' });
    const token = typeof body.access_token === 'string' ? body.access_token : '';
    const expiresIn = Number(body.expires_in);
    if (!token || !Number.isFinite(expiresIn) || expiresIn <= 0) throw new WechatApiError(Number(body.errcode ?? -1), String(body.errmsg ?? 'no access_token in response'));
    this.tokenFetches++;
    // Counted from when we asked, and never less than half the lifetime before refreshing.
    const margin = Math.min(this.marginMs, (expiresIn * 1000) / 2);
    this.token = { value: token, refreshAt: requestedAt + expiresIn * 1000 - margin };
    return token;
  }

  /** POSTs JSON with the access_token; on a token error, refreshes once and repeats. */
  async call(path: string, payload: unknown): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const body = await this.request(`${this.cfg.apiBase}${path}?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
      });
      const errcode = Number(body.errcode ?? 0);
      if (errcode === 0) return body;
      if (TOKEN_ERRCODES.has(errcode) && attempt === 0) {
        this.invalidate(token);
        continue;
      }
      throw new WechatApiError(errcode, String(body.errmsg ?? ''));
    }
  }

  /** A customer-service text message; long texts go as several messages. */
  async sendText(openid: string, content: string): Promise<void> {
    for (const part of splitUtf8(content)) {
      await this.call('/cgi-bin/message/custom/send', { touser: openid, msgtype: 'text', text: { content: part } });
    }
  }

  private async request(url: string, init: RequestInit): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await this.fetchFn(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new AppError('unavailable', 'wechat_unreachable', `WeChat API unreachable: ${String((err as Error)?.message ?? err)}`);
    }
    const text = await res.text();
    if (!res.ok) throw new AppError('unavailable', 'wechat_http', `WeChat API answered HTTP ${res.status}`);
    try {
      const json = JSON.parse(text) as unknown;
      if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new AppError('unavailable', 'wechat_bad_response', 'WeChat API answered something that is not a JSON object');
  }
}

// ---- the 48-hour window and the SMS fallback ------------------------------------------------

export const MP_CONTACT_SCOPE = 'wechat-mp-contact';

/** What we remember about an Official Account follower. */
export interface MpContactDoc {
  /** ISO instant of the citizen's last message, click or subscribe */
  lastInboundAt: string;
  /** A mainland mobile the citizen gave, for notices outside the 48-hour window */
  phone: string | null;
}

export type Delivery = { via: 'wechat' | 'sms' } | { via: 'none'; reason: string };

export interface NotifierDeps {
  state: StateStore;
  sms: SmsSender;
  clock: Clock;
  bus: EventBus;
  log?: { warn(obj: object, msg: string): void };
}

export interface NotifierOptions {
  /** WeChat's customer-service window (48 h). */
  windowMs?: number;
  /** Stop a little early: our clock and WeChat's are not the same clock (default 5 min). */
  safetyMs?: number;
  /** How long a follower's last-message time and phone are kept (default 180 days). */
  retentionMs?: number;
  /** Prefix of fallback SMS (the sender signature the SMS provider requires). */
  smsPrefix?: string;
}

const MOBILE_RE = /(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d{9})(?!\d)/;

/** A mainland mobile number written in a message, if any. */
export function findMobile(text: string): string | null {
  const m = MOBILE_RE.exec(text.replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
  return m ? m[1] : null;
}

export class WechatMpNotifier {
  private readonly windowMs: number;
  private readonly safetyMs: number;
  private readonly retentionMs: number;
  private readonly smsPrefix: string;

  constructor(
    private readonly deps: NotifierDeps,
    private readonly api: WechatMpApi,
    opts: NotifierOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 48 * 3600_000;
    this.safetyMs = opts.safetyMs ?? 5 * 60_000;
    this.retentionMs = opts.retentionMs ?? 180 * 24 * 3600_000;
    this.smsPrefix = opts.smsPrefix ?? '【12345热线】';
  }

  /** Called for every verified inbound message: opens the window, and keeps a phone the citizen typed. */
  async noteInbound(openid: string, text?: string): Promise<void> {
    const now = this.deps.clock.now();
    const prev = await this.deps.state.get<MpContactDoc>(MP_CONTACT_SCOPE, openid, now);
    const phone = (text && findMobile(text)) || prev?.phone || null;
    const doc: MpContactDoc = { lastInboundAt: now.toISOString(), phone };
    await this.deps.state.put(MP_CONTACT_SCOPE, openid, doc, now, new Date(now.getTime() + this.retentionMs));
  }

  /** A phone learnt elsewhere (the citizen's ticket, an operator). */
  async rememberPhone(openid: string, phone: string): Promise<void> {
    const now = this.deps.clock.now();
    const prev = await this.deps.state.get<MpContactDoc>(MP_CONTACT_SCOPE, openid, now);
    // Without a known last message the window is treated as closed.
    const doc: MpContactDoc = { lastInboundAt: prev?.lastInboundAt ?? new Date(0).toISOString(), phone };
    await this.deps.state.put(MP_CONTACT_SCOPE, openid, doc, now, new Date(now.getTime() + this.retentionMs));
  }

  async contact(openid: string): Promise<MpContactDoc | null> {
    return this.deps.state.get<MpContactDoc>(MP_CONTACT_SCOPE, openid, this.deps.clock.now());
  }

  /** Whether a customer-service message may be sent to this follower now. */
  async inWindow(openid: string): Promise<boolean> {
    const doc = await this.contact(openid);
    if (!doc) return false;
    return this.deps.clock.now().getTime() < Date.parse(doc.lastInboundAt) + this.windowMs - this.safetyMs;
  }

  /**
   * Sends texts to a follower: WeChat inside the window, else SMS, else recorded as undelivered.
   * Never throws: the caller learns which way it went.
   */
  async send(openid: string, texts: string | string[], ref?: string): Promise<Delivery> {
    const list = (Array.isArray(texts) ? texts : [texts]).filter((x) => x.trim() !== '');
    if (list.length === 0) return { via: 'wechat' };
    const doc = await this.contact(openid).catch(() => null);
    let reason = 'outside_48h_window';
    const open = doc !== null && this.deps.clock.now().getTime() < Date.parse(doc.lastInboundAt) + this.windowMs - this.safetyMs;
    let sent = 0;
    if (open) {
      try {
        for (const text of list) {
          await this.api.sendText(openid, text);
          sent++;
        }
        return { via: 'wechat' };
      } catch (err) {
        reason = err instanceof WechatApiError ? `wechat_errcode_${err.errcode}` : err instanceof AppError ? err.code : 'wechat_failed';
        this.deps.log?.warn({ reason }, 'customer-service message failed; trying SMS');
      }
    }
    const rest = list.slice(sent);
    if (doc?.phone) {
      try {
        await this.deps.sms.send({ to: doc.phone, text: `${this.smsPrefix}${rest.join('\n')}`, ...(ref ? { ref } : {}) });
        return { via: 'sms' };
      } catch (err) {
        reason = `${reason};sms_failed`;
        this.deps.log?.warn({ err: String(err) }, 'fallback SMS failed');
      }
    } else {
      reason = `${reason};no_phone`;
    }
    await recordUndelivered(this.deps, { channel: 'wechat-mp', contactId: openid, texts: rest, reason, ref: ref ?? null }).catch((err) =>
      this.deps.log?.warn({ err: String(err) }, 'could not record an undelivered notice'),
    );
    return { via: 'none', reason };
  }
}
