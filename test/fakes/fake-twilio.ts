/**
 * A loopback fake of Twilio's REST API (Calls and Messages) on a real HTTP server, plus the
 * webhook side: it signs requests to the app the way Twilio does (X-Twilio-Signature over the
 * public URL and the sorted form parameters).
 *
 * The SDK is pointed at it with its own `httpClient` option (a RequestClient that only rewrites
 * the host), so the SDK's real request code (form encoding, Basic auth, JSON parsing) runs.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient.js';

export interface FakeCall {
  sid: string;
  to: string;
  from: string;
  url: string;
  method: string;
  statusCallback?: string;
  machineDetection?: string;
  timeout?: string;
  form: Record<string, string>;
}

export interface FakeMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export class FakeTwilio {
  readonly calls: FakeCall[] = [];
  readonly messages: FakeMessage[] = [];
  /** requests refused for bad credentials or missing fields */
  readonly rejected: { path: string; status: number; reason: string }[] = [];
  private server: http.Server | null = null;
  private port = 0;

  constructor(
    readonly accountSid: string,
    readonly authToken: string,
  ) {}

  async listen(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The SDK's `httpClient`: the real RequestClient, sent to this server instead of api.twilio.com. */
  httpClient(): RequestClient {
    const base = this.baseUrl;
    class Loopback extends RequestClient {
      override request<T>(opts: RequestClient.RequestOptions<T>) {
        return super.request({ ...opts, uri: opts.uri.replace(/^https:\/\/[a-z.]*twilio\.com/, base) });
      }
    }
    return new Loopback();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const refuse = (status: number, code: number, reason: string) => {
        this.rejected.push({ path, status, reason });
        reply(status, { code, message: reason, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
      };
      const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return refuse(401, 20003, 'Authenticate');
      if (req.method !== 'POST') return refuse(405, 20004, 'Method not allowed');
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return refuse(400, 20001, 'form encoding expected');
      const form = Object.fromEntries(new URLSearchParams(raw));
      const base = `/2010-04-01/Accounts/${this.accountSid}`;
      if (path === `${base}/Calls.json`) {
        if (!form.To || !form.From) return refuse(400, 21201, 'To and From are required');
        if (!form.Url || !/^https?:\/\//.test(form.Url)) return refuse(400, 21205, 'Url is not a valid URL');
        const c: FakeCall = { sid: sid('CA'), to: form.To, from: form.From, url: form.Url, method: form.Method ?? 'POST', statusCallback: form.StatusCallback, machineDetection: form.MachineDetection, timeout: form.Timeout, form };
        this.calls.push(c);
        return reply(201, { sid: c.sid, account_sid: this.accountSid, to: c.to, from: c.from, status: 'queued', direction: 'outbound-api', uri: `${base}/Calls/${c.sid}.json` });
      }
      if (path === `${base}/Messages.json`) {
        if (!form.To || !form.From || !form.Body) return refuse(400, 21602, 'To, From and Body are required');
        const m: FakeMessage = { sid: sid('SM'), to: form.To, from: form.From, body: form.Body };
        this.messages.push(m);
        return reply(201, { sid: m.sid, account_sid: this.accountSid, to: m.to, from: m.from, body: m.body, status: 'queued', num_segments: '1', uri: `${base}/Messages/${m.sid}.json` });
      }
      return refuse(404, 20404, 'The requested resource was not found');
    });
  }
}

/** Twilio's side of the webhooks: signs every request for `publicUrl` and posts it to `appUrl`. */
export class TwilioWebhooks {
  constructor(
    private readonly authToken: string,
    private readonly publicUrl: string,
    private readonly appUrl: string,
  ) {}

  sign(pathAndQuery: string, params: Record<string, string>): string {
    return twilio.getExpectedTwilioSignature(this.authToken, this.publicUrl + pathAndQuery, params);
  }

  /** `url` may be the absolute public URL from TwiML or a path. */
  async post(url: string, params: Record<string, string>, opts: { signature?: string | null } = {}): Promise<{ status: number; body: string; type: string }> {
    const path = url.startsWith(this.publicUrl) ? url.slice(this.publicUrl.length) : url;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const signature = opts.signature === undefined ? this.sign(path, params) : opts.signature;
    if (signature !== null) headers['x-twilio-signature'] = signature;
    const res = await fetch(this.appUrl + path, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
  }
}
