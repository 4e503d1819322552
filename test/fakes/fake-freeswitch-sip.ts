/**
 * The SIP side of the fake FreeSWITCH: a minimal user-agent server over UDP (RFC 3261) that
 * answers a call and hands it to Suban's outbound socket the way the dialplan's `answer` +
 * `socket 127.0.0.1:8084 async full` does (through FakeFreeSwitch.placeCall), so that a real SIP
 * user agent (sipp in test/e2e/voice-sip.test.ts) can call the hotline end to end.
 *
 * Covered: parsing requests and responses (compact header names, folded lines, Content-Length on
 * UDP), 400 for malformed requests, INVITE → 100 Trying → 200 OK with an SDP answer and the 2xx
 * retransmitted until the ACK, keys by INFO `application/dtmf-relay` (and `application/dtmf`),
 * BYE both ways (ours retransmitted until answered), CANCEL after the answer, OPTIONS, 481
 * outside a dialog, 405 for other methods, retransmitted requests answered again from the
 * transaction's last response.
 *
 * Out of scope, on purpose: RTP and media. The SDP answer names a port nobody listens on, so no
 * audio and no RFC 2833 key ever arrives; prompts are "played" by the ESL fake at once, and a
 * recording's length is stated (`recordMs`), not measured. Also: TCP/TLS, authentication,
 * re-INVITE/UPDATE, route sets (Record-Route), PRACK, forking, session timers.
 *
 * Like fake-freeswitch.ts it shares no code with the adapter.
 */
import dgram from 'node:dgram';
import { randomBytes, randomUUID } from 'node:crypto';
import type { CallTranscript, DigitRequest, FakeFreeSwitch, LiveCallHandle } from './fake-freeswitch.js';

/** RFC 3261 timer values (17.1.1.1). */
const T1 = 500;
const T2 = 4_000;

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported', s: 'subject', e: 'content-encoding' };
const ALLOW = 'INVITE, ACK, BYE, CANCEL, INFO, OPTIONS';
const Q850: Record<string, number> = { NORMAL_CLEARING: 16, USER_BUSY: 17, NO_ANSWER: 19, CALL_REJECTED: 21, DESTINATION_OUT_OF_ORDER: 27, NORMAL_UNSPECIFIED: 31 };

export interface SipMessage {
  /** The request method; for a response, the CSeq method. */
  method: string;
  /** Request-URI ('' for a response). */
  uri: string;
  /** 0 for a request. */
  status: number;
  reason: string;
  /** Lower-case long names (compact forms expanded), in order of arrival. */
  headers: Array<[string, string]>;
  body: string;
}

/** `msg` is null when not even the start line could be read; `error` says what is wrong. */
export function parseSip(data: Buffer): { msg: SipMessage | null; error: string | null } {
  let start = 0;
  // Empty lines before the start line are to be ignored (7.5); a bare CRLF pair is a keep-alive.
  while (data[start] === 0x0d || data[start] === 0x0a) start++;
  const buf = data.subarray(start);
  if (buf.length === 0) return { msg: null, error: 'empty' };
  let end = buf.indexOf('\r\n\r\n');
  let sep = 4;
  if (end < 0) {
    end = buf.indexOf('\n\n');
    sep = 2;
  }
  const head = (end < 0 ? buf : buf.subarray(0, end)).toString('utf8');
  const lines: string[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && lines.length > 1) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  const first = lines.shift() ?? '';
  let msg: SipMessage;
  const req = /^([A-Za-z!%*_+`'~.-]+) (\S+) SIP\/2\.0$/.exec(first);
  const res = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
  if (req) msg = { method: req[1]!, uri: req[2]!, status: 0, reason: '', headers: [], body: '' };
  else if (res) msg = { method: '', uri: '', status: Number(res[1]), reason: res[2] ?? '', headers: [], body: '' };
  else return { msg: null, error: 'not a SIP start line' };

  for (const line of lines) {
    const h = /^([!%'*+\-.0-9A-Z_`a-z~]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!h) return { msg, error: `bad header line "${line.slice(0, 40)}"` };
    const name = h[1]!.toLowerCase();
    msg.headers.push([COMPACT[name] ?? name, h[2]!.trim()]);
  }
  if (end < 0) return { msg, error: 'no empty line after the headers' };

  const rest = buf.subarray(end + sep);
  const cl = header(msg, 'content-length');
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) return { msg, error: 'bad Content-Length' };
    // 18.3: bytes past Content-Length are discarded; a datagram shorter than it is an error.
    if (Number(cl) > rest.length) return { msg, error: 'body shorter than Content-Length' };
    msg.body = rest.subarray(0, Number(cl)).toString('utf8');
  } else {
    msg.body = rest.toString('utf8');
  }

  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    if (!header(msg, name)) return { msg, error: `missing ${name}` };
  }
  const cseq = /^(\d+)\s+(\S+)$/.exec(header(msg, 'cseq')!);
  if (!cseq) return { msg, error: 'bad CSeq' };
  if (msg.status) msg.method = cseq[2]!;
  else if (cseq[2] !== msg.method) return { msg, error: 'CSeq method differs from the request method' };
  for (const name of ['from', 'to']) {
    if (!/(^|<|\s)(sips?|tel):/i.test(header(msg, name)!)) return { msg, error: `bad ${name}` };
  }
  return { msg, error: null };
}

export function header(m: SipMessage, name: string): string | undefined {
  return m.headers.find(([n]) => n === name)?.[1];
}

/** Via values one by one: a header line may carry several, comma-separated. */
function vias(m: SipMessage): string[] {
  return m.headers.filter(([n]) => n === 'via').flatMap(([, v]) => v.split(/,(?=\s*SIP\/)/i).map((s) => s.trim()));
}

function param(value: string, name: string): string | undefined {
  // Parameters of a name-addr follow the `>`; of an addr-spec, the first `;`.
  const tail = value.includes('>') ? value.slice(value.lastIndexOf('>') + 1) : value.slice(value.indexOf(';') < 0 ? value.length : value.indexOf(';'));
  return new RegExp(`;\\s*${name}=([^;,\\s]+)`, 'i').exec(tail)?.[1];
}

function uriOf(nameAddr: string): string {
  const angle = /<([^>]*)>/.exec(nameAddr);
  return (angle ? angle[1]! : nameAddr.split(';')[0]!).trim();
}

/** `sip:13800001111@host` → 13800001111; `tel:+86...` → +86.... */
function userOf(uri: string): string {
  const m = /^(?:sips?:([^@;?]*)@|tel:([^;?]*))/i.exec(uri);
  const raw = m?.[1] ?? m?.[2] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function displayName(nameAddr: string): string {
  const q = /^\s*"((?:[^"\\]|\\.)*)"\s*</.exec(nameAddr);
  if (q) return q[1]!.replace(/\\(.)/g, '$1');
  const t = /^\s*([^<"]+?)\s*</.exec(nameAddr);
  return t?.[1] ?? '';
}

function hostPort(uri: string): { address: string; port: number } | null {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?/i.exec(uri);
  if (!m) return null;
  return { address: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 5060 };
}

const token = (bytes = 6) => randomBytes(bytes).toString('hex');

/** What the caller pressed, waiting to be read: see Keypad. */
class Keypad {
  private readonly keys: string[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;

  press(key: string): void {
    this.keys.push(key);
    this.wakeAll();
  }

  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  /**
   * play_and_get_digits. FreeSWITCH flushes keys pressed before it starts; this fake keeps them
   * (type-ahead), so a scenario that cannot hear the prompts (no media) need not time its keys.
   */
  async collect(req: DigitRequest): Promise<string> {
    let got = '';
    for (;;) {
      while (this.keys.length) {
        const key = this.keys.shift()!;
        if (req.terminators.includes(key)) return valid(got, req);
        got += key;
        if (got.length >= req.max) return valid(got, req);
      }
      if (this.closed || !(await this.next(got ? req.digitTimeoutMs : req.timeoutMs))) return valid(got, req);
    }
  }

  /** record: until a terminator key, the end of the call or maxSec; other keys are dropped, as record does. */
  async recordUntil(req: { maxSec: number; terminators: string }): Promise<void> {
    const deadline = performance.now() + (req.maxSec > 0 ? req.maxSec * 1000 : 2 ** 31 - 1);
    for (;;) {
      while (this.keys.length) if (req.terminators.includes(this.keys.shift()!)) return;
      const left = deadline - performance.now();
      if (this.closed || left <= 0) return;
      await this.next(left);
    }
  }

  private next(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(false);
      }, Math.min(ms, 2 ** 31 - 1));
      this.waiters.add(wake);
    });
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }
}

function valid(got: string, req: DigitRequest): string {
  if (got.length < req.min) return '';
  try {
    return !req.regexp || new RegExp(`^(?:${req.regexp})$`).test(got) ? got : '';
  } catch {
    return got;
  }
}

export interface SipCall {
  callId: string;
  /** The channel uuid Suban sees. */
  uuid: string;
  /** User part of the From URI: the caller's number as FreeSWITCH reports it. */
  caller: string;
  callerName: string;
  /** User part of the Request-URI. */
  destination: string;
  state: 'answered' | 'confirmed' | 'ended';
  /** Keys received by INFO, in order. */
  keys: string;
  endedBy: 'caller' | 'suban' | null;
  /** Status of the final response to our BYE; null when none was sent or none came. */
  byeStatus: number | null;
  /** The ESL side of the call, once its socket closed. */
  esl: CallTranscript | null;
  eslError: string | null;
}

interface Peer {
  address: string;
  port: number;
}

interface CallState extends SipCall {
  invite: SipMessage;
  inviteBranch: string;
  localTag: string;
  remoteTag: string;
  /** Where in-dialog requests go: the INVITE's Contact. */
  remoteTarget: string;
  source: Peer;
  remoteCSeq: number;
  localCSeq: number;
  keypad: Keypad;
  handle: LiveCallHandle | null;
  pendingHangup: boolean;
  okTimer: NodeJS.Timeout | null;
  /** ESL call, BYE transaction: what idle() waits for. */
  work: Array<Promise<unknown>>;
}

export interface FakeSipOptions {
  esl: FakeFreeSwitch;
  /** Suban's outbound-socket server (the dialplan's `socket <host>:<port> async full`). */
  outboundPort: number;
  outboundHost?: string;
  /** Stated length of every recording: there is no audio to measure (default 15 s). */
  recordMs?: number;
}

export class FakeFreeSwitchSip {
  private readonly socket = dgram.createSocket('udp4');
  private readonly byId = new Map<string, CallState>();
  private readonly list: CallState[] = [];
  /** Last response per server transaction (branch + method), for retransmitted requests. */
  private readonly answered = new Map<string, { data: Buffer; to: Peer }>();
  private readonly clientTx = new Map<string, (status: number) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Every datagram in and out, for a test's failure output. */
  readonly trace: string[] = [];
  /** Datagrams that were not SIP at all, or malformed responses: dropped without an answer. */
  readonly ignored: Array<{ from: string; reason: string }> = [];
  /** Malformed requests answered 400. */
  readonly rejected: Array<{ from: string; reason: string }> = [];

  constructor(private readonly o: FakeSipOptions) {
    this.socket.on('message', (data, rinfo) => this.receive(data, { address: rinfo.address, port: rinfo.port }));
    this.socket.on('error', (err) => this.trace.push(`! ${err.message}`));
  }

  listen(host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve) => this.socket.bind(0, host, () => resolve(this.port)));
  }

  get port(): number {
    return this.socket.address().port;
  }

  get calls(): SipCall[] {
    return this.list;
  }

  /** Resolves when every call has ended on both sides and every BYE was answered or timed out. */
  async idle(): Promise<void> {
    for (;;) {
      const open = this.list.filter((c) => c.state !== 'ended');
      if (open.length) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const work = this.list.flatMap((c) => c.work);
      await Promise.allSettled(work);
      if (this.list.flatMap((c) => c.work).length === work.length) return;
    }
  }

  /** Ends every call still up, BYE to the phone and hangup to Suban: the clean-up after a failed scenario. */
  endAll(): void {
    for (const c of this.list) {
      if (c.state === 'ended') continue;
      this.bye(c, 'NORMAL_CLEARING');
      if (c.handle) c.handle.hangup('NORMAL_CLEARING');
      else c.pendingHangup = true;
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.list) c.keypad.close();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  // --- transport -----------------------------------------------------------------------------

  private send(text: string, to: Peer): Buffer {
    const data = Buffer.from(text);
    this.trace.push(`> ${to.address}:${to.port}\n${text}`);
    this.socket.send(data, to.port, to.address);
    return data;
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private cancel(t: NodeJS.Timeout | null): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  private receive(data: Buffer, from: Peer): void {
    const peer = `${from.address}:${from.port}`;
    this.trace.push(`< ${peer}\n${data.toString('utf8')}`);
    const { msg, error } = parseSip(data);
    if (!msg) {
      if (error !== 'empty') this.ignored.push({ from: peer, reason: error ?? '' });
      return;
    }
    if (msg.status) {
      // 18.1.2: a malformed response is discarded.
      if (error) this.ignored.push({ from: peer, reason: error });
      else this.onResponse(msg);
      return;
    }
    if (error) {
      // No answer to an ACK ever, and without a Via there is nowhere to route one (18.2.2).
      if (msg.method === 'ACK' || vias(msg).length === 0) {
        this.ignored.push({ from: peer, reason: error });
        return;
      }
      this.rejected.push({ from: peer, reason: error });
      this.respond(msg, from, 400, 'Bad Request', [['Warning', `399 fake-freeswitch "${error.replace(/"/g, "'")}"`]]);
      return;
    }
    const again = this.answered.get(this.txKey(msg));
    if (again && msg.method !== 'ACK') {
      this.trace.push(`(retransmission of ${msg.method}: last response sent again)`);
      this.socket.send(again.data, again.to.port, again.to.address);
      return;
    }
    switch (msg.method) {
      case 'INVITE':
        return this.onInvite(msg, from);
      case 'ACK':
        return this.onAck(msg);
      case 'INFO':
        return this.onInfo(msg, from);
      case 'BYE':
        return this.onBye(msg, from);
      case 'CANCEL':
        return this.onCancel(msg, from);
      case 'OPTIONS':
        return this.respond(msg, from, 200, 'OK', [['Allow', ALLOW], ['Accept', 'application/sdp']]);
      default:
        return this.respond(msg, from, 405, 'Method Not Allowed', [['Allow', ALLOW]]);
    }
  }

  private txKey(msg: SipMessage): string {
    return `${param(vias(msg)[0] ?? '', 'branch') ?? ''}|${msg.method}`;
  }

  /** A response to `req`: its Via, From, To (tagged), Call-ID and CSeq, then `extra`. */
  private respond(req: SipMessage, to: Peer, status: number, reason: string, extra: Array<[string, string]> = [], body = '', toTag?: string): void {
    const lines = [`SIP/2.0 ${status} ${reason}`];
    for (const v of vias(req)) lines.push(`Via: ${v}`);
    const from = header(req, 'from');
    if (from) lines.push(`From: ${from}`);
    let toValue = header(req, 'to');
    // 8.2.6.2: every response but 100 carries a To tag.
    if (toValue && status > 100 && !param(toValue, 'tag')) toValue += `;tag=${toTag ?? token()}`;
    if (toValue) lines.push(`To: ${toValue}`);
    const callId = header(req, 'call-id');
    if (callId) lines.push(`Call-ID: ${callId}`);
    const cseq = header(req, 'cseq');
    if (cseq) lines.push(`CSeq: ${cseq}`);
    lines.push('Server: fake-freeswitch-sip');
    for (const [k, v] of extra) lines.push(`${k}: ${v}`);
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    const data = this.send(`${lines.join('\r\n')}\r\n\r\n${body}`, to);
    if (status >= 200) {
      const key = this.txKey(req);
      this.answered.set(key, { data, to });
      // Long enough for any retransmission of the request (64*T1), then forgotten.
      this.after(64 * T1, () => this.answered.delete(key));
    }
  }

  private dialog(msg: SipMessage): CallState | undefined {
    const call = this.byId.get(header(msg, 'call-id') ?? '');
    if (!call) return undefined;
    if (param(header(msg, 'from') ?? '', 'tag') !== call.remoteTag || param(header(msg, 'to') ?? '', 'tag') !== call.localTag) return undefined;
    return call;
  }

  // --- server side ---------------------------------------------------------------------------

  private onInvite(msg: SipMessage, from: Peer): void {
    if (param(header(msg, 'to')!, 'tag')) {
      if (!this.dialog(msg)) return this.respond(msg, from, 481, 'Call/Transaction Does Not Exist');
      return this.respond(msg, from, 488, 'Not Acceptable Here', [['Warning', '399 fake-freeswitch "re-INVITE is not supported by this fake"']]);
    }
    // 8.2.2.2: the same Call-ID under another branch is a merged or looped request.
    if (this.byId.has(header(msg, 'call-id')!)) return this.respond(msg, from, 482, 'Loop Detected');
    const contentType = (header(msg, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (msg.body && contentType !== 'application/sdp') return this.respond(msg, from, 415, 'Unsupported Media Type', [['Accept', 'application/sdp']]);
    const sdp = answerSdp(msg.body);
    if (!sdp) return this.respond(msg, from, 488, 'Not Acceptable Here', [['Warning', '304 fake-freeswitch "PCMU or PCMA only"']]);
    const contact = header(msg, 'contact');
    if (!contact) return this.respond(msg, from, 400, 'Bad Request', [['Warning', '399 fake-freeswitch "INVITE without Contact"']]);

    this.respond(msg, from, 100, 'Trying');
    const fromValue = header(msg, 'from')!;
    const call: CallState = {
      callId: header(msg, 'call-id')!,
      uuid: randomUUID(),
      caller: userOf(uriOf(fromValue)),
      callerName: displayName(fromValue),
      destination: userOf(msg.uri),
      state: 'answered',
      keys: '',
      endedBy: null,
      byeStatus: null,
      esl: null,
      eslError: null,
      invite: msg,
      inviteBranch: param(vias(msg)[0]!, 'branch') ?? '',
      localTag: token(),
      remoteTag: param(fromValue, 'tag') ?? '',
      remoteTarget: uriOf(contact),
      source: from,
      remoteCSeq: Number(header(msg, 'cseq')!.split(/\s+/)[0]),
      localCSeq: 0,
      keypad: new Keypad(),
      handle: null,
      pendingHangup: false,
      okTimer: null,
      work: [],
    };
    this.byId.set(call.callId, call);
    this.list.push(call);
    const ok = [
      ['Contact', `<sip:${call.destination || 'freeswitch'}@127.0.0.1:${this.port}>`],
      ['Allow', ALLOW],
      ['Content-Type', 'application/sdp'],
    ] as Array<[string, string]>;
    this.respond(msg, from, 200, 'OK', ok, sdp(this.port + 2), call.localTag);

    // 13.3.1.4: the 2xx is the UAS's to retransmit until the ACK comes; no ACK in 64*T1 ends the call.
    const sent = this.answered.get(this.txKey(msg))!;
    let interval = T1;
    let elapsed = 0;
    const retransmit = () => {
      if (call.state !== 'answered') return;
      elapsed += interval;
      if (elapsed >= 64 * T1) {
        this.bye(call, 'NORMAL_CLEARING');
        return;
      }
      this.trace.push('(no ACK yet: 200 OK sent again)');
      this.socket.send(sent.data, sent.to.port, sent.to.address);
      interval = Math.min(interval * 2, T2);
      call.okTimer = this.after(interval, retransmit);
    };
    call.okTimer = this.after(interval, retransmit);
  }

  private onAck(msg: SipMessage): void {
    const call = this.dialog(msg);
    if (!call || call.state !== 'answered') return; // ACKs for error responses and repeated ACKs
    call.state = 'confirmed';
    this.cancel(call.okTimer);
    call.okTimer = null;
    this.connect(call);
  }

  private onInfo(msg: SipMessage, from: Peer): void {
    const call = this.dialog(msg);
    if (!call || call.state === 'ended') return this.respond(msg, from, 481, 'Call/Transaction Does Not Exist');
    const cseq = Number(header(msg, 'cseq')!.split(/\s+/)[0]);
    // 12.2.2: a lower CSeq than the last one is out of order.
    if (cseq <= call.remoteCSeq) return this.respond(msg, from, 500, 'Server Internal Error', [['Warning', '399 fake-freeswitch "CSeq out of order"']]);
    call.remoteCSeq = cseq;
    const type = (header(msg, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!msg.body) return this.respond(msg, from, 200, 'OK'); // an empty INFO is a keep-alive
    let key: string | null = null;
    let durationMs = 250;
    if (type === 'application/dtmf-relay') {
      const fields = Object.fromEntries(
        msg.body
          .split(/\r?\n/)
          .map((l) => /^\s*(\w+)\s*=\s*(\S*)\s*$/.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[1]!.toLowerCase(), m[2]!]),
      );
      key = dtmfKey(fields.signal ?? '');
      if (fields.duration && /^\d+$/.test(fields.duration)) durationMs = Number(fields.duration);
    } else if (type === 'application/dtmf') {
      key = dtmfKey(msg.body.trim());
    } else {
      return this.respond(msg, from, 415, 'Unsupported Media Type', [['Accept', 'application/dtmf-relay, application/dtmf']]);
    }
    if (!key) return this.respond(msg, from, 400, 'Bad Request', [['Warning', '399 fake-freeswitch "no valid Signal in the DTMF body"']]);
    this.respond(msg, from, 200, 'OK');
    call.keys += key;
    call.keypad.press(key);
    // FreeSWITCH reports the duration in samples at 8 kHz; keys from SIP INFO come from the endpoint.
    call.handle?.event('DTMF', { 'DTMF-Digit': key, 'DTMF-Duration': String(durationMs * 8), 'DTMF-Source': 'ENDPOINT' });
  }

  private onBye(msg: SipMessage, from: Peer): void {
    const call = this.dialog(msg);
    if (!call) return this.respond(msg, from, 481, 'Call/Transaction Does Not Exist');
    this.respond(msg, from, 200, 'OK');
    if (call.state === 'ended') return; // both sides hung up at once
    call.state = 'ended';
    call.endedBy = 'caller';
    this.cancel(call.okTimer);
    call.keypad.close();
    if (call.handle) call.handle.hangup('NORMAL_CLEARING');
    else call.pendingHangup = true;
  }

  private onCancel(msg: SipMessage, from: Peer): void {
    const call = this.byId.get(header(msg, 'call-id')!);
    if (!call || param(vias(msg)[0]!, 'branch') !== call.inviteBranch) return this.respond(msg, from, 481, 'Call/Transaction Does Not Exist');
    // The INVITE was answered at once, so there is nothing left to cancel (9.2): 200 and no 487.
    this.respond(msg, from, 200, 'OK');
  }

  // --- the call on the ESL side --------------------------------------------------------------

  private connect(call: CallState): void {
    const sip = call.invite;
    const work = this.o.esl
      .placeCall(
        this.o.outboundPort,
        {
          uuid: call.uuid,
          callerNumber: call.caller,
          ...(call.callerName ? { callerName: call.callerName } : {}),
          destinationNumber: call.destination,
          recordMs: this.o.recordMs ?? 15_000,
          channelVars: {
            variable_sip_call_id: call.callId,
            variable_sip_from_user: call.caller,
            variable_sip_to_user: userOf(uriOf(header(sip, 'to')!)),
            variable_sip_network_ip: call.source.address,
            variable_sip_network_port: String(call.source.port),
          },
          live: {
            attached: (handle) => {
              call.handle = handle;
              if (call.pendingHangup) handle.hangup('NORMAL_CLEARING');
            },
            collectDigits: (req) => call.keypad.collect(req),
            recordUntil: (req) => call.keypad.recordUntil(req),
            serverHangup: (cause) => this.bye(call, cause),
          },
        },
        this.o.outboundHost,
      )
      .then(
        (tr) => {
          call.esl = tr;
        },
        (err: Error) => {
          call.eslError = err.message;
        },
      )
      .finally(() => {
        call.keypad.close();
        // The socket closed without a hangup from Suban (or never opened): the switch ends the call.
        if (call.state !== 'ended') this.bye(call, call.eslError ? 'DESTINATION_OUT_OF_ORDER' : 'NORMAL_CLEARING');
      });
    call.work.push(work);
  }

  // --- client side: our BYE ------------------------------------------------------------------

  private bye(call: CallState, cause: string): void {
    if (call.state === 'ended') return;
    call.state = 'ended';
    call.endedBy = 'suban';
    this.cancel(call.okTimer);
    call.keypad.close();
    const branch = `z9hG4bK${token()}`;
    const to = hostPort(call.remoteTarget) ?? call.source;
    const q850 = Q850[cause] ?? 16;
    const text = [
      `BYE ${call.remoteTarget} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      // In-dialog roles are swapped: our From is the INVITE's To (with our tag), our To its From.
      `From: ${header(call.invite, 'to')};tag=${call.localTag}`,
      `To: ${header(call.invite, 'from')}`,
      `Call-ID: ${call.callId}`,
      `CSeq: ${++call.localCSeq} BYE`,
      `Reason: Q.850;cause=${q850};text="${cause}"`,
      'User-Agent: fake-freeswitch-sip',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const data = this.send(text, to);
    // 17.1.2.2: Timer E resends at T1, doubling to T2; Timer F gives up after 64*T1.
    const done = new Promise<number>((resolve) => {
      let interval = T1;
      const again = () => {
        this.trace.push('(no answer to BYE yet: sent again)');
        this.socket.send(data, to.port, to.address);
        interval = Math.min(interval * 2, T2);
        timerE = this.after(interval, again);
      };
      let timerE = this.after(interval, again);
      const timerF = this.after(64 * T1, () => {
        this.cancel(timerE);
        this.clientTx.delete(branch);
        resolve(0);
      });
      this.clientTx.set(branch, (status) => {
        if (status < 200) return;
        this.cancel(timerE);
        this.cancel(timerF);
        this.clientTx.delete(branch);
        resolve(status);
      });
    }).then((status) => {
      call.byeStatus = status || null;
    });
    call.work.push(done);
  }

  private onResponse(msg: SipMessage): void {
    const branch = param(vias(msg)[0] ?? '', 'branch') ?? '';
    if (msg.method !== 'BYE') return;
    this.clientTx.get(branch)?.(msg.status);
  }
}

/** A key from a dtmf-relay Signal: 0-9, *, #, A-D; some phones send 10 and 11 for * and #. */
function dtmfKey(signal: string): string | null {
  if (signal === '10') return '*';
  if (signal === '11') return '#';
  return /^[0-9*#A-Da-d]$/.test(signal) ? signal.toUpperCase() : null;
}

/**
 * The SDP answer (RFC 3264) to the INVITE's offer, or an offer when the INVITE had none; null
 * when no common codec. The port is only named: this fake sends and receives no RTP.
 */
function answerSdp(offer: string): ((port: number) => string) | null {
  let codec = 0;
  let events: string | null = '101';
  if (offer.trim()) {
    const m = /^m=audio \d+ RTP\/AVP ([\d ]+)$/m.exec(offer);
    if (!m) return null;
    const offered = m[1]!.trim().split(/\s+/);
    const pick = ['0', '8'].find((pt) => offered.includes(pt));
    if (!pick) return null;
    codec = Number(pick);
    events = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offer)?.[1] ?? null;
    if (events && !offered.includes(events)) events = null;
  }
  const session = Math.floor(Date.now() / 1000);
  return (port) =>
    [
      'v=0',
      `o=FreeSWITCH ${session} ${session + 1} IN IP4 127.0.0.1`,
      's=FreeSWITCH',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${port} RTP/AVP ${codec}${events ? ` ${events}` : ''}`,
      `a=rtpmap:${codec} ${codec === 0 ? 'PCMU' : 'PCMA'}/8000`,
      ...(events ? [`a=rtpmap:${events} telephone-event/8000`, `a=fmtp:${events} 0-16`] : []),
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
}
