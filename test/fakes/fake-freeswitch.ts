/**
 * A fake FreeSWITCH that speaks the event-socket text protocol over real TCP.
 *
 * Inbound side (we dial it, like port 8021): auth, api, bgapi with BACKGROUND_JOB events,
 * event subscriptions (plain or json), scripted originate outcomes, dropped connections.
 * Outbound side (it dials our socket server, like the dialplan's `socket ... async full`):
 * plays one call from a script: channel data on `connect`, then answers every `sendmsg`
 * execute with CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE carrying our Event-UUID. Keys and the
 * end of a recording come from the script, or live from a caller (`live`: the SIP side in
 * fake-freeswitch-sip.ts). A `record` to `http_cache://http…` is uploaded as mod_http_cache does
 * (httpCachePut) before the application completes. `play_and_detect_speech` leaves the scripted
 * recognizer result (NLSML, `DIGIT: x`, `Completion-Cause: 002`) in `detect_speech_result`.
 *
 * It shares no code with the adapter on purpose: a parsing bug in one must not be mirrored by
 * the other. The interop test checks this fake against modesl, a third-party client.
 */
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

export interface ReceivedCommand {
  side: 'inbound' | 'outbound';
  /** Inbound: 1 for the first accepted connection, and so on. Outbound: the call uuid. */
  connection: string;
  line: string;
  headers: Record<string, string>;
}

export type OriginateOutcome =
  | { answer: true; dtmf?: string; hangupAfterMs?: number; delayMs?: number }
  | { answer: false; cause: string; delayMs?: number };

export interface CallScript {
  uuid?: string;
  callerNumber: string;
  callerName?: string;
  destinationNumber?: string;
  /** Digits pressed at each play_and_get_digits, in order; '' means nothing pressed. */
  digits?: string[];
  /** Reported as variable_record_ms for every record. */
  recordMs?: number;
  /** originate_disposition reported by bridge; SUCCESS by default. */
  bridgeDisposition?: string;
  /** The caller hangs up while the Nth execute (1-based) runs; it never completes. */
  hangupAtExecute?: number;
  /** Milliseconds each application takes (default 1), overridable per application name. */
  executeMs?: number;
  executeMsByApp?: Record<string, number>;
  /** The switch drops the socket while the Nth execute runs, with no hangup event. */
  dropAtExecute?: number;
  /** More CHANNEL_DATA headers, e.g. `variable_sip_call_id` from a SIP leg. */
  channelVars?: Record<string, string>;
  /** A live caller (the SIP side) instead of the scripted `digits` and instant recordings. */
  live?: LiveCaller;
  /** What the recognizer reports at each play_and_detect_speech, in order; then no input (`Completion-Cause: 002`). */
  speech?: SpeechAnswer[];
  /**
   * An agent of mod_callcenter takes the caller: after `pickupMs` the caller's channel is bridged to
   * the agent (CHANNEL_BRIDGE with cc_agent), after `talkMs` more the conversation ends and
   * `callcenter` completes with the agent's variables. Without it `callcenter` ends at once, unanswered.
   */
  callcenter?: { agent: string; pickupMs?: number; talkMs?: number };
}

/**
 * One play_and_detect_speech as the switch ends it: `say` and `dtmf` become an NLSML result,
 * `press` a key during the prompt (`DIGIT: x` when playback_terminators lists it, else the key goes to
 * a recognizer with no DTMF grammar: no input), `completionCause` what mod_unimrcp writes for a
 * result without a body, `raw` exactly that text, `fail` an engine that did not start.
 */
export type SpeechAnswer =
  | { say: string; confidence?: number }
  | { dtmf: string; confidence?: number }
  | { press: string }
  | 'noinput'
  | 'nomatch'
  | { completionCause: string }
  | { raw: string }
  | { fail: 'GRAMMAR ERROR' | 'ASR INIT ERROR' | 'ERROR' };

/** play_and_detect_speech's argument as mod_dptools splits it: `<file> detect:<engine> {params}<grammar>`. */
export interface SpeechRequest {
  file: string;
  engine: string;
  params: Record<string, string>;
  grammar: string;
}

/** What play_and_get_digits asks for, from its arguments. */
export interface DigitRequest {
  min: number;
  max: number;
  timeoutMs: number;
  digitTimeoutMs: number;
  /** Keys that end the input early ('' when `none`). */
  terminators: string;
  /** FreeSWITCH anchors it to the whole input. */
  regexp: string;
}

/** Lets the party behind a call (see fake-freeswitch-sip.ts) drive it while it runs. */
export interface LiveCaller {
  /**
   * The session drives the call (its first `sendmsg`, so after connect/myevents/linger): from now
   * on a hangup through the handle reaches a session that is listening, whatever the timing.
   */
  attached?(call: LiveCallHandle): void;
  /** play_and_get_digits: the keys the caller pressed ('' for nothing valid). */
  collectDigits?(req: DigitRequest): Promise<string>;
  /** record: resolves when the recording stops (a terminator key, the caller leaving, maxSec). */
  recordUntil?(req: { maxSec: number; terminators: string }): Promise<void>;
  /** Suban hung up (`sendmsg` hangup): runs before CHANNEL_HANGUP goes out. A socket closed without one ends placeCall's promise. */
  serverHangup?(cause: string): void;
}

export interface LiveCallHandle {
  /** The caller hung up. */
  hangup(cause?: string): void;
  /** Sends a channel event (e.g. DTMF) to the session, with the channel's headers. */
  event(name: string, headers: Record<string, string>): void;
}

export interface CallTranscript {
  uuid: string;
  commands: ReceivedCommand[];
  executes: Array<{ app: string; arg: string; eventUuid: string }>;
  hangupCause: string | null;
  hungUpBy: 'caller' | 'server' | null;
  /** Variables set with the `set` application. */
  variables: Record<string, string>;
  /** Every `record`: its file argument, the WAV made, and mod_http_cache's PUT of it (http_cache:// targets). */
  recordings: RecordingTranscript[];
  /** Every play_and_detect_speech that parsed. */
  speechRequests: SpeechRequest[];
}

export interface RecordingTranscript {
  target: string;
  wav: Buffer;
  /** http_cache://http... targets: the PUT mod_http_cache made when the file was closed. */
  upload?: { url: string; headers: Record<string, string>; status: number | null; error?: string };
  /** Plain paths, with `writeRecordings` on: where the file was written. */
  writtenTo?: string;
}

/**
 * A WAV as FreeSWITCH's `record` writes by default: RIFF/WAVE, PCM 16-bit mono 8 kHz, `ms` long
 * (a quiet 400 Hz tone, so a player in a demo has something to play).
 */
export function fakeWav(ms: number): Buffer {
  const rate = 8000;
  const samples = Math.max(0, Math.round((ms / 1000) * rate));
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16); // fmt chunk size
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); // byte rate
  b.writeUInt16LE(2, 32); // block align
  b.writeUInt16LE(16, 34); // bits per sample
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(2000 * Math.sin((2 * Math.PI * 400 * i) / rate)), 44 + i * 2);
  return b;
}

/**
 * What mod_http_cache does when a `http_cache://<url>` file opened for writing is closed
 * (http_put in mod_http_cache.c): one PUT of the whole file to the URL as given, query included;
 * Content-Type from FreeSWITCH's mime.types by the extension of the URL's path (`wav` →
 * audio/x-wav), User-Agent freeswitch-http-cache/1.0, Content-Length; libcurl adds
 * `Expect: 100-continue` above 1 MiB. 200/201/202/204 count as saved, anything else is only
 * logged by the switch: the `record` application completes either way.
 */
export function httpCachePut(url: string, body: Buffer): Promise<{ status: number | null; headers: Record<string, string>; error?: string }> {
  const u = new URL(url);
  const ext = /\.([A-Za-z0-9]+)$/.exec(u.pathname)?.[1]?.toLowerCase();
  const headers: Record<string, string> = {
    'User-Agent': 'freeswitch-http-cache/1.0',
    Accept: '*/*',
    'Content-Type': ext === 'wav' ? 'audio/x-wav' : ext === 'mp3' ? 'audio/mpeg' : 'application/octet-stream',
    'Content-Length': String(body.length),
    ...(body.length > 1024 * 1024 ? { Expect: '100-continue' } : {}),
  };
  return new Promise((resolve) => {
    // A new curl handle per PUT: a fresh connection each time, never a kept-alive one.
    const req = (u.protocol === 'https:' ? https : http).request({ method: 'PUT', hostname: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers, agent: false });
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      req.end(body);
    };
    if (headers.Expect) req.on('continue', send);
    else send();
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? null, headers }));
      // A final answer instead of 100 Continue: libcurl sends no body then.
      if (!sent) req.destroy();
    });
    req.on('error', (err) => resolve({ status: null, headers, error: err.message }));
  });
}

type Format = 'plain' | 'json';

interface InboundConn {
  id: string;
  socket: net.Socket;
  authed: boolean;
  format: Format;
  events: Set<string>;
  /** FreeSWITCH handles one command at a time per socket; `api` blocks the ones behind it. */
  chain: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function reply(text: string, extra: Record<string, string> = {}): string {
  let out = 'Content-Type: command/reply\n';
  for (const [k, v] of Object.entries(extra)) out += `${k}: ${v}\n`;
  return `${out}Reply-Text: ${text}\n\n`;
}

function apiResponse(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

function disconnectNotice(disposition: 'linger' | 'disconnect'): string {
  const body = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
  return `Content-Type: text/disconnect-notice\nContent-Disposition: ${disposition}\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

let sequence = 1000;
const CORE_UUID = 'a1b2c3d4-0000-4000-8000-fa4efa4efa4e';

function eventFrame(format: Format, name: string, headers: Record<string, string>, body = ''): string {
  const all: Record<string, string> = {
    'Event-Name': name,
    'Core-UUID': CORE_UUID,
    'FreeSWITCH-Hostname': 'fake-fs',
    // Spaces and colons: the client must url-decode these.
    'Event-Date-Local': '2025-03-04 09:15:00',
    'Event-Date-Timestamp': '1741050900000000',
    'Event-Sequence': String(++sequence),
    ...headers,
  };
  if (format === 'json') {
    const json = JSON.stringify(body ? { ...all, 'Content-Length': String(Buffer.byteLength(body)), _body: body } : all);
    return `Content-Length: ${Buffer.byteLength(json)}\nContent-Type: text/event-json\n\n${json}`;
  }
  let inner = '';
  for (const [k, v] of Object.entries(all)) inner += `${k}: ${encodeURIComponent(v)}\n`;
  inner += body ? `Content-Length: ${Buffer.byteLength(body)}\n\n${body}` : '\n';
  return `Content-Length: ${Buffer.byteLength(inner)}\nContent-Type: text/event-plain\n\n${inner}`;
}

/** Splits incoming bytes into `line\nheaders\n\n` command blocks. */
class CommandReader {
  private buf = '';
  constructor(private readonly onCommand: (line: string, headers: Record<string, string>) => void) {}
  push(chunk: Buffer): void {
    this.buf += chunk.toString('utf8');
    for (;;) {
      this.buf = this.buf.replace(/^\n+/, '');
      const end = this.buf.indexOf('\n\n');
      if (end < 0) return;
      const [line = '', ...rest] = this.buf.slice(0, end).split('\n');
      this.buf = this.buf.slice(end + 2);
      const headers: Record<string, string> = {};
      for (const h of rest) {
        const at = h.indexOf(':');
        if (at > 0) headers[h.slice(0, at).trim()] = h.slice(at + 1).trim();
      }
      this.onCommand(line.trim(), headers);
    }
  }
}

/** FreeSWITCH's argument splitting: spaces separate, single quotes group. */
export function splitArgs(data: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (const ch of data) {
    if (ch === "'") {
      quoted = !quoted;
      has = true;
    } else if (ch === ' ' && !quoted) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** Reads `{a=1,b='x y'}dialstring &app(arg)` the way mod_commands does, enough for tests. */
export function parseOriginate(args: string): { vars: Record<string, string>; dial: string; app: string } {
  const vars: Record<string, string> = {};
  let rest = args.trim();
  if (rest.startsWith('{')) {
    const close = rest.indexOf('}');
    const block = rest.slice(1, close);
    rest = rest.slice(close + 1);
    for (const part of block.split(/(?<!\\),/)) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      vars[part.slice(0, eq)] = part.slice(eq + 1).replace(/^'(.*)'$/, '$1').replace(/\\,/g, ',');
    }
  }
  const space = rest.indexOf(' ');
  return { vars, dial: space < 0 ? rest : rest.slice(0, space), app: space < 0 ? '' : rest.slice(space + 1).trim() };
}

function digitRequest(a: string[]): DigitRequest {
  const num = (i: number, dflt: number) => (a[i] && Number.isFinite(Number(a[i])) ? Number(a[i]) : dflt);
  const timeoutMs = num(3, 5000);
  const terminators = a[4] ?? 'none';
  return {
    min: num(0, 0),
    max: num(1, 128),
    timeoutMs,
    digitTimeoutMs: num(9, timeoutMs),
    terminators: terminators === 'none' ? '' : terminators,
    regexp: a[8] ?? '',
  };
}

/** Splits as mod_dptools does (strstr "detect:", then one space); null is its USAGE ERROR. */
export function parseDetectSpeech(arg: string): SpeechRequest | null {
  const at = arg.indexOf('detect:');
  if (at < 0) return null;
  const file = arg.slice(0, at).trimEnd();
  const rest = arg.slice(at + 'detect:'.length);
  const space = rest.indexOf(' ');
  if (!file || space <= 0) return null;
  const engine = rest.slice(0, space);
  let grammar = rest.slice(space + 1).trim();
  const params: Record<string, string> = {};
  const block = /^\{([^}]*)\}/.exec(grammar);
  if (block) {
    grammar = grammar.slice(block[0].length);
    for (const part of block[1]!.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
  }
  return grammar ? { file, engine, params, grammar } : null;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** NLSML as an MRCPv2 recognizer sends it in RECOGNITION-COMPLETE (RFC 6787 §6.3). */
export function nlsml(grammar: string, input: { mode: 'speech' | 'dtmf'; text: string; confidence?: number } | 'noinput' | 'nomatch'): string {
  const g = xmlEscape(grammar);
  const body =
    typeof input === 'string'
      ? `  <interpretation>\n    <instance/>\n    <input><${input}/></input>\n  </interpretation>\n`
      : `  <interpretation grammar="${g}" confidence="${input.confidence ?? 0.9}">\n    <instance>${xmlEscape(input.text)}</instance>\n    <input mode="${input.mode}">${xmlEscape(input.text)}</input>\n  </interpretation>\n`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<result xmlns="urn:ietf:params:xml:ns:mrcpv2" grammar="${g}">\n${body}</result>\n`;
}

/** playback_terminators as record reads it: `*` when unset (FreeSWITCH's default), `any`, `none`. */
function terminatorKeys(value: string | undefined): string {
  if (value === undefined) return '*';
  if (value === 'none') return '';
  if (value === 'any') return '0123456789*#';
  // `+9` / `x9`: 9 still ends the recording (and is also returned, which record has no use for).
  return value.replace(/[+x]/g, '');
}

export class FakeFreeSwitch {
  readonly commands: ReceivedCommand[] = [];
  /** Write recordings with a plain path there, as a switch on a shared directory would (off: the default paths do not exist here). */
  writeRecordings = false;
  /** Times (ms, monotonic) at which inbound connections were accepted. */
  readonly connectionTimes: number[] = [];
  private readonly server: net.Server;
  private readonly inbound = new Set<InboundConn>();
  private readonly outbound = new Set<net.Socket>();
  private readonly originateScripts: Array<{ match: string; outcome: OriginateOutcome }> = [];
  private readonly apiHandlers = new Map<string, (args: string) => string | Promise<string>>();
  private rejectCount = 0;
  private accepted = 0;
  private jobDelay: (command: string) => number = () => 0;
  private readonly password: string;

  constructor(opts: { password?: string } = {}) {
    this.password = opts.password ?? 'ClueCon';
    this.server = net.createServer((s) => this.acceptInbound(s));
    this.apiHandlers.set('status', () => 'UP 0 years, 0 days, 0 hours, 1 minute\nFreeSWITCH (Version 1.10.12) is ready\n');
    this.apiHandlers.set('echo', (args) => args);
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this.port)));
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get connectionCount(): number {
    return this.accepted;
  }

  /** Inbound (ESL) connections still open. */
  get openConnections(): number {
    return this.inbound.size;
  }

  /** How the next originate whose dial string contains `match` ends. Later scripts win. */
  scriptOriginate(match: string, outcome: OriginateOutcome): void {
    this.originateScripts.unshift({ match, outcome });
  }

  onApi(command: string, handler: (args: string) => string | Promise<string>): void {
    this.apiHandlers.set(command, handler);
  }

  /** Delay before each BACKGROUND_JOB, by command text; lets tests reorder job results. */
  setJobDelay(fn: (command: string) => number): void {
    this.jobDelay = fn;
  }

  /** The next `n` inbound connections are accepted and closed at once (switch still starting). */
  rejectNextConnections(n: number): void {
    this.rejectCount = n;
  }

  /** Cuts every inbound connection without a goodbye, as a crash or network loss would. */
  dropInbound(): void {
    for (const c of this.inbound) c.socket.destroy();
  }

  /** Writes bytes as they are to every authenticated inbound connection. */
  sendRaw(text: string | Buffer): void {
    for (const c of this.inbound) if (c.authed) c.socket.write(text);
  }

  /** Sends an event to inbound connections subscribed to it (or to ALL). */
  emitEvent(name: string, headers: Record<string, string>, body = ''): void {
    for (const c of this.inbound) {
      if (c.authed && (c.events.has(name) || c.events.has('ALL'))) c.socket.write(eventFrame(c.format, name, headers, body));
    }
  }

  inboundCommands(): ReceivedCommand[] {
    return this.commands.filter((c) => c.side === 'inbound');
  }

  async close(): Promise<void> {
    for (const c of this.inbound) c.socket.destroy();
    for (const s of this.outbound) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- inbound -----------------------------------------------------------------------------

  private acceptInbound(socket: net.Socket): void {
    this.accepted++;
    this.connectionTimes.push(performance.now());
    if (this.rejectCount > 0) {
      this.rejectCount--;
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn: InboundConn = { id: String(this.accepted), socket, authed: false, format: 'plain', events: new Set(), chain: Promise.resolve() };
    this.inbound.add(conn);
    socket.on('close', () => this.inbound.delete(conn));
    socket.on('error', () => {});
    const reader = new CommandReader((line, headers) => {
      conn.chain = conn.chain.then(() => this.onInbound(conn, line, headers));
    });
    socket.on('data', (d) => reader.push(d));
    socket.write('Content-Type: auth/request\n\n');
  }

  private async onInbound(conn: InboundConn, line: string, headers: Record<string, string>): Promise<void> {
    this.commands.push({ side: 'inbound', connection: conn.id, line, headers });
    const [verb = '', ...words] = line.split(' ');
    const rest = words.join(' ');
    const { socket } = conn;
    if (!conn.authed) {
      if (verb !== 'auth') {
        socket.write(reply('-ERR command not found'));
        return;
      }
      if (rest === this.password) {
        conn.authed = true;
        socket.write(reply('+OK accepted'));
      } else {
        socket.write(reply('-ERR invalid'));
        socket.end(disconnectNotice('disconnect'));
      }
      return;
    }
    switch (verb) {
      case 'event': {
        const [format = 'plain', ...names] = words;
        if (format !== 'plain' && format !== 'json') {
          socket.write(reply('-ERR unsupported format in this fake'));
          return;
        }
        conn.format = format;
        for (const n of names) conn.events.add(n.toUpperCase() === 'ALL' ? 'ALL' : n);
        socket.write(reply(`+OK event listener enabled ${format}`));
        return;
      }
      case 'api': {
        const out = await this.runApi(rest);
        if (!socket.destroyed) socket.write(apiResponse(out));
        return;
      }
      case 'bgapi': {
        const jobUuid = headers['Job-UUID'] || randomUUID();
        socket.write(reply(`+OK Job-UUID: ${jobUuid}`, { 'Job-UUID': jobUuid }));
        void (async () => {
          await sleep(this.jobDelay(rest));
          const out = await this.runApi(rest);
          if (!socket.destroyed && (conn.events.has('BACKGROUND_JOB') || conn.events.has('ALL'))) {
            const [cmd = '', ...args] = rest.split(' ');
            socket.write(eventFrame(conn.format, 'BACKGROUND_JOB', { 'Job-UUID': jobUuid, 'Job-Command': cmd, 'Job-Command-Arg': args.join(' ') }, out));
          }
        })();
        return;
      }
      case 'exit':
        socket.write(reply('+OK bye'));
        socket.end(disconnectNotice('disconnect'));
        return;
      default:
        socket.write(reply('-ERR command not found'));
    }
  }

  private async runApi(text: string): Promise<string> {
    const [cmd = '', ...words] = text.split(' ');
    const args = words.join(' ');
    if (cmd === 'originate') return this.originate(args);
    const handler = this.apiHandlers.get(cmd);
    return handler ? handler(args) : `-ERR ${cmd} Command not found!\n`;
  }

  private async originate(args: string): Promise<string> {
    const { vars, dial } = parseOriginate(args);
    const uuid = vars.origination_uuid || randomUUID();
    const outcome = this.originateScripts.find((s) => dial.includes(s.match))?.outcome ?? { answer: true };
    await sleep(outcome.delayMs ?? 0);
    const channel = { 'Unique-ID': uuid, 'Caller-Destination-Number': dial.split('/').pop() ?? dial, 'Call-Direction': 'outbound' };
    if (!outcome.answer) {
      this.emitEvent('CHANNEL_HANGUP', { ...channel, 'Hangup-Cause': outcome.cause });
      return `-ERR ${outcome.cause}\n`;
    }
    this.emitEvent('CHANNEL_ANSWER', { ...channel, 'Answer-State': 'answered' });
    void (async () => {
      for (const digit of outcome.dtmf ?? '') {
        await sleep(2);
        this.emitEvent('DTMF', { ...channel, 'DTMF-Digit': digit, 'DTMF-Duration': '2000' });
      }
      if (outcome.hangupAfterMs !== undefined) {
        await sleep(outcome.hangupAfterMs);
        this.emitEvent('CHANNEL_HANGUP', { ...channel, 'Hangup-Cause': 'NORMAL_CLEARING' });
      }
    })();
    return `+OK ${uuid}\n`;
  }

  // --- outbound ------------------------------------------------------------------------------

  /** Dials our outbound socket server as an incoming call would; resolves when the socket closes. */
  /** The end of a `record`: mod_http_cache's upload for http_cache:// targets, a file for plain paths when asked to. */
  private async saveRecording(target: string, ms: number, transcript: CallTranscript): Promise<void> {
    const rec: RecordingTranscript = { target, wav: fakeWav(ms) };
    transcript.recordings.push(rec);
    const m = /^http_cache:\/\/(https?:\/\/.+)$/.exec(target);
    if (m) {
      const r = await httpCachePut(m[1]!, rec.wav);
      rec.upload = { url: m[1]!, ...r };
    } else if (this.writeRecordings && target.startsWith('/')) {
      writeFileSync(target, rec.wav);
      rec.writtenTo = target;
    }
  }

  placeCall(port: number, script: CallScript, host = '127.0.0.1'): Promise<CallTranscript> {
    const uuid = script.uuid ?? randomUUID();
    const transcript: CallTranscript = { uuid, commands: [], executes: [], hangupCause: null, hungUpBy: null, variables: {}, recordings: [], speechRequests: [] };
    const digits = [...(script.digits ?? [])];
    const speech = [...(script.speech ?? [])];
    let myevents = false;
    let linger = false;
    let executeCount = 0;
    let connected = false;
    const channelHeaders = (): Record<string, string> => ({
      'Unique-ID': uuid,
      'Channel-Name': `sofia/internal/${script.callerNumber}@127.0.0.1`,
      'Caller-Caller-ID-Number': script.callerNumber,
      'Caller-Caller-ID-Name': script.callerName ?? script.callerNumber,
      'Caller-Destination-Number': script.destinationNumber ?? '12345',
      'Answer-State': 'answered',
      ...script.channelVars,
      ...Object.fromEntries(Object.entries(transcript.variables).map(([k, v]) => [`variable_${k}`, v])),
    });

    return new Promise<CallTranscript>((resolve, reject) => {
      const socket = net.connect({ host, port });
      // Without it Nagle holds small frames until the peer's delayed ACK (40 ms), reordering timings.
      socket.setNoDelay(true);
      this.outbound.add(socket);
      const send = (text: string) => {
        if (!socket.destroyed) socket.write(text);
      };
      const emit = (name: string, headers: Record<string, string>) => {
        if (myevents) send(eventFrame('plain', name, { ...channelHeaders(), ...headers }));
      };
      const hangup = (by: 'caller' | 'server', cause: string) => {
        if (transcript.hungUpBy) return;
        transcript.hungUpBy = by;
        transcript.hangupCause = cause;
        if (by === 'server') script.live?.serverHangup?.(cause);
        emit('CHANNEL_HANGUP', { 'Hangup-Cause': cause, 'Answer-State': 'hangup' });
        emit('CHANNEL_HANGUP_COMPLETE', { 'Hangup-Cause': cause, 'Answer-State': 'hangup' });
        send(disconnectNotice(linger ? 'linger' : 'disconnect'));
        // With linger the switch waits for our `exit`; give it a moment, then go regardless.
        setTimeout(() => socket.end(), linger ? 200 : 0);
      };

      let attachedLive = false;
      const attach = () => {
        if (attachedLive || !script.live?.attached) return;
        attachedLive = true;
        script.live.attached({ hangup: (cause = 'NORMAL_CLEARING') => hangup('caller', cause), event: (name, headers) => emit(name, headers) });
      };

      const execute = async (app: string, arg: string, eventUuid: string) => {
        executeCount++;
        const n = executeCount;
        transcript.executes.push({ app, arg, eventUuid });
        emit('CHANNEL_EXECUTE', { Application: app, 'Application-Data': arg, 'Application-UUID': eventUuid });
        await sleep(script.executeMsByApp?.[app] ?? script.executeMs ?? 1);
        if (transcript.hungUpBy) return;
        if (script.dropAtExecute === n) {
          socket.destroy();
          return;
        }
        if (script.hangupAtExecute === n) {
          // A recording the caller ends by hanging up is still closed, and so uploaded.
          if (app === 'record') await this.saveRecording(splitArgs(arg)[0] ?? '', script.recordMs ?? 3000, transcript);
          hangup('caller', 'NORMAL_CLEARING');
          return;
        }
        const done: Record<string, string> = { Application: app, 'Application-Data': arg, 'Application-UUID': eventUuid, 'Application-Response': '_none_' };
        if (app === 'set') {
          const eq = arg.indexOf('=');
          if (eq > 0) transcript.variables[arg.slice(0, eq)] = arg.slice(eq + 1);
        } else if (app === 'play_and_get_digits') {
          const a = splitArgs(arg);
          const varName = a[7];
          const live = script.live?.collectDigits;
          const pressed = live ? await live(digitRequest(a)) : (digits.shift() ?? '');
          if (transcript.hungUpBy) return;
          if (varName && pressed) done[`variable_${varName}`] = pressed;
        } else if (app === 'record') {
          const live = script.live?.recordUntil;
          if (live) {
            await live({ maxSec: Number(splitArgs(arg)[1]) || 0, terminators: terminatorKeys(transcript.variables.playback_terminators) });
            if (transcript.hungUpBy) return;
          }
          done.variable_record_ms = String(script.recordMs ?? 3000);
          // The file is closed (and mod_http_cache's PUT done) before the application completes.
          await this.saveRecording(splitArgs(arg)[0] ?? '', script.recordMs ?? 3000, transcript);
          if (transcript.hungUpBy) return;
        } else if (app === 'bridge') {
          done.variable_originate_disposition = script.bridgeDisposition ?? 'SUCCESS';
        } else if (app === 'callcenter' && script.callcenter) {
          const { agent, pickupMs = 5, talkMs = 5 } = script.callcenter;
          await sleep(pickupMs);
          if (transcript.hungUpBy) return;
          transcript.variables.cc_agent = agent;
          emit('CHANNEL_BRIDGE', { 'Other-Leg-Caller-ID-Number': agent, 'Bridge-A-Unique-ID': transcript.uuid, variable_cc_agent: agent });
          await sleep(talkMs);
          if (transcript.hungUpBy) return;
          done.variable_cc_agent = agent;
          done.variable_bridge_hangup_cause = 'NORMAL_CLEARING';
        } else if (app === 'unset') {
          delete transcript.variables[arg.trim()];
        } else if (app === 'play_and_detect_speech') {
          // Cleared first, as mod_dptools does, so an old result never leaks into this one.
          transcript.variables.detect_speech_result = '';
          const req = parseDetectSpeech(arg);
          const answer = speech.shift() ?? { completionCause: '002' };
          let result = '';
          if (!req) done['Application-Response'] = 'USAGE ERROR';
          else if (typeof answer === 'object' && 'fail' in answer) done['Application-Response'] = answer.fail;
          else {
            transcript.speechRequests.push(req);
            done['Application-Response'] = 'DONE';
            if (answer === 'noinput' || answer === 'nomatch') result = nlsml(req.grammar, answer);
            else if ('say' in answer) result = nlsml(req.grammar, { mode: 'speech', text: answer.say, confidence: answer.confidence });
            else if ('dtmf' in answer) result = nlsml(req.grammar, { mode: 'dtmf', text: answer.dtmf.split('').join(' '), confidence: answer.confidence });
            else if ('press' in answer) {
              const keys = terminatorKeys(transcript.variables.playback_terminators ?? 'none');
              result = keys.includes(answer.press) ? `DIGIT: ${answer.press}` : 'Completion-Cause: 002';
              if (keys.includes(answer.press)) transcript.variables.playback_terminator_used = answer.press;
            } else if ('completionCause' in answer) result = `Completion-Cause: ${answer.completionCause}`;
            else result = answer.raw;
          }
          if (result) transcript.variables.detect_speech_result = result;
          done.variable_detect_speech_result = result;
        }
        emit('CHANNEL_EXECUTE_COMPLETE', done);
      };

      const reader = new CommandReader((line, headers) => {
        const cmd: ReceivedCommand = { side: 'outbound', connection: uuid, line, headers };
        this.commands.push(cmd);
        transcript.commands.push(cmd);
        const verb = line.split(' ')[0];
        if (!connected && verb !== 'connect') {
          send(reply('-ERR not connected'));
          return;
        }
        switch (verb) {
          case 'connect': {
            connected = true;
            let out = 'Content-Type: command/reply\nReply-Text: +OK\nSocket-Mode: async\nControl: full\n';
            for (const [k, v] of Object.entries({ 'Event-Name': 'CHANNEL_DATA', ...channelHeaders() })) out += `${k}: ${encodeURIComponent(v)}\n`;
            send(`${out}\n`);
            return;
          }
          case 'myevents':
            myevents = true;
            send(reply('+OK Events Enabled'));
            return;
          case 'linger':
            linger = true;
            send(reply('+OK will linger'));
            return;
          case 'event':
            myevents = true;
            send(reply('+OK event listener enabled plain'));
            return;
          case 'exit':
            send(reply('+OK bye'));
            socket.end();
            return;
          case 'sendmsg': {
            if (transcript.hungUpBy) {
              send(reply('-ERR call is gone'));
              return;
            }
            const command = headers['call-command'];
            if (command === 'execute') {
              send(reply('+OK'));
              void execute(headers['execute-app-name'] ?? '', headers['execute-app-arg'] ?? '', headers['Event-UUID'] ?? '');
            } else if (command === 'hangup') {
              send(reply('+OK'));
              setTimeout(() => hangup('server', headers['hangup-cause'] || 'NORMAL_CLEARING'), 1);
            } else {
              send(reply(`-ERR unsupported call-command ${command}`));
            }
            attach();
            return;
          }
          default:
            send(reply('-ERR command not found'));
        }
      });
      socket.on('data', (d) => reader.push(d));
      socket.on('error', (err) => {
        if (!connected) reject(err);
      });
      socket.on('close', () => {
        this.outbound.delete(socket);
        resolve(transcript);
      });
    });
  }
}
