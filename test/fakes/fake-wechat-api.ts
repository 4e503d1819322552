/**
 * A loopback stand-in for api.weixin.qq.com that checks what it receives, the way WeChat does:
 * the token endpoint wants grant_type=client_credential with the right appid and secret, and
 * custom/send wants a live access_token and a well-formed text message. Tests can expire or
 * invalidate tokens, and make custom/send refuse with a chosen errcode.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface FakeWechatRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface CustomMessage {
  touser: string;
  content: string;
  accessToken: string;
}

export class FakeWechatApi {
  readonly requests: FakeWechatRequest[] = [];
  readonly sent: CustomMessage[] = [];
  tokenRequests = 0;
  /** Seconds WeChat says a token lives. */
  expiresIn = 7200;
  /** When set, custom/send answers this errcode (e.g. 45015: outside the 48-hour window). */
  refuseSend: number | null = null;
  /** Answer custom/send after this many milliseconds. */
  sendDelayMs = 0;
  private readonly live = new Map<string, 'ok' | 'expired' | 'invalid'>();
  private server: Server | null = null;
  private listeners: ((m: CustomMessage) => void)[] = [];

  constructor(
    readonly appId: string,
    readonly secret: string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.route(req, res).catch((err) => this.json(res, 500, { errcode: -1, errmsg: String(err) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.baseUrl;
  }

  get baseUrl(): string {
    const addr = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** Every token issued so far now answers 42001 (access_token expired). */
  expireTokens(): void {
    for (const k of this.live.keys()) this.live.set(k, 'expired');
  }

  /** Every token issued so far now answers 40001 (invalid credential). */
  invalidateTokens(): void {
    for (const k of this.live.keys()) this.live.set(k, 'invalid');
  }

  /** Resolves with the next `n` customer-service messages (already-sent ones count). */
  waitForSent(n: number, timeoutMs = 3000): Promise<CustomMessage[]> {
    if (this.sent.length >= n) return Promise.resolve(this.sent.slice(0, n));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.sent.length} of ${n} customer-service messages arrived`)), timeoutMs);
      const fn = () => {
        if (this.sent.length < n) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== fn);
        resolve(this.sent.slice(0, n));
      };
      this.listeners.push(fn);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const raw = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    let body: unknown = raw;
    if (raw && /json/.test(req.headers['content-type'] ?? '')) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.json(res, 200, { errcode: 47001, errmsg: 'data format error' });
      }
    }
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, body });

    if (url.pathname === '/cgi-bin/token' && req.method === 'GET') {
      this.tokenRequests++;
      if (query.grant_type !== 'client_credential') return this.json(res, 200, { errcode: 40002, errmsg: 'invalid grant_type' });
      if (query.appid !== this.appId) return this.json(res, 200, { errcode: 40013, errmsg: 'invalid appid' });
      if (query.secret !== this.secret) return this.json(res, 200, { errcode: 40125, errmsg: 'invalid appsecret' });
      const token = `TOKEN_${randomBytes(8).toString('hex')}`;
      this.live.set(token, 'ok');
      return this.json(res, 200, { access_token: token, expires_in: this.expiresIn });
    }

    if (url.pathname === '/cgi-bin/message/custom/send' && req.method === 'POST') {
      const token = query.access_token ?? '';
      const st = this.live.get(token);
      if (!st || st === 'invalid') return this.json(res, 200, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
      if (st === 'expired') return this.json(res, 200, { errcode: 42001, errmsg: 'access_token expired' });
      const b = body as { touser?: unknown; msgtype?: unknown; text?: { content?: unknown } };
      if (typeof b !== 'object' || !b || typeof b.touser !== 'string' || !b.touser || b.msgtype !== 'text' || typeof b.text?.content !== 'string') {
        return this.json(res, 200, { errcode: 44002, errmsg: 'empty post data or bad message' });
      }
      if (Buffer.byteLength(b.text.content, 'utf8') > 2048) return this.json(res, 200, { errcode: 45002, errmsg: 'content size out of limit' });
      if (this.sendDelayMs) await new Promise((r) => setTimeout(r, this.sendDelayMs));
      if (this.refuseSend !== null) return this.json(res, 200, { errcode: this.refuseSend, errmsg: 'refused by test' });
      this.sent.push({ touser: b.touser, content: b.text.content, accessToken: token });
      for (const l of [...this.listeners]) l(this.sent.at(-1)!);
      return this.json(res, 200, { errcode: 0, errmsg: 'ok' });
    }
    return this.json(res, 404, { errcode: 40066, errmsg: 'invalid url' });
  }

  private json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json; encoding=utf-8' });
    res.end(JSON.stringify(body));
  }
}
