/**
 * The one configuration loader, and the one reader of the environment. Every setting comes from
 * the environment (secrets never from files in the repository), is validated at start, and is
 * listed with its default and meaning in `CONFIG_DOCS`, from which the README's table is generated
 * (`suban config --markdown`); what only the `suban` commands read is in `cliEnv` below.
 */
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseLinkageConfig, type LinkageConfig } from './domain/tickets/assist.js';

interface Setting {
  env: string;
  default?: string;
  doc: string;
  secret?: boolean;
}

export const CONFIG_DOCS: Setting[] = [
  { env: 'SUBAN_HOST', default: '127.0.0.1', doc: 'Address the HTTP server listens on (the Docker image sets 0.0.0.0).' },
  { env: 'SUBAN_PORT', default: '3000', doc: 'HTTP port.' },
  { env: 'SUBAN_PUBLIC_URL', default: 'http://localhost:<SUBAN_PORT>', doc: 'Base URL the outside world (Twilio, WeChat) uses to reach this service; webhook signatures are checked against it.' },
  { env: 'DATABASE_URL', default: 'sqlite:./data/suban.db', doc: 'sqlite:<file> (embedded, WAL) or postgres://… (required for more than one instance).' },
  { env: 'SUBAN_DB_POOL', default: '10', doc: 'PostgreSQL connection pool size.' },
  { env: 'SUBAN_DB_CONNECT_TIMEOUT_MS', default: '5000', doc: 'How long opening a PostgreSQL connection, or waiting for a free one in the pool, may take before the request fails with 503 + Retry-After.' },
  { env: 'SUBAN_DB_QUERY_TIMEOUT_MS', default: '35000', doc: 'How long a PostgreSQL query may go unanswered before it fails with 503 + Retry-After (a network partition becomes errors, not hung requests). PostgreSQL itself cancels a slow statement a little earlier (statement_timeout = this minus 1/5, at most 5 s less).' },
  { env: 'SUBAN_READY_TIMEOUT_MS', default: '3000', doc: '`/readyz` answers 503 when the database has not answered its ping within this (a load balancer\'s probe must not hang).' },
  { env: 'SUBAN_DB_SCHEMA', default: '', doc: 'PostgreSQL schema (created if missing) for all tables; empty = the connection\'s search_path. Every instance of one deployment must use the same one.' },
  { env: 'SUBAN_LOG_LEVEL', default: 'info', doc: 'pino log level (phone numbers, tokens and secrets are always redacted). The one-shot `suban` commands (migrate, seed, user …) log at warn unless it is set.' },
  { env: 'SUBAN_VOICE', default: 'sim', doc: 'Voice provider: sim (simulated, offline), twilio or freeswitch. `suban call` and `suban wechat` always use sim.' },
  { env: 'SUBAN_SMS', default: 'sim', doc: 'SMS provider: sim or twilio. `suban call` and `suban wechat` always use sim.' },
  { env: 'SUBAN_DUTY_LIST', default: 'config/duty-list.yaml', doc: '职责清单: units, the matters they own, township place names.' },
  { env: 'SUBAN_LINKAGE_FILE', default: 'config/linkage.yaml', doc: '应急联动: the units an operator\'s 联动 for a 突发事件 adds as 协办 and pages with the lead unit (default 市应急管理局、市公安局、市交通运输局、市信访局; per type under `byType`); names must be units of config/units.json.' },
  { env: 'SUBAN_ROUTING_MODEL', default: '', doc: 'Unit model trained by `suban train` on the city\'s own history (empty = the built-in model, config/routing-model.json).' },
  { env: 'SUBAN_CLASSIFY_THRESHOLD', default: '0.45', doc: 'Below this classifier confidence a ticket goes to the manual-dispatch queue.' },
  { env: 'SUBAN_CLASSIFY_WORKERS', default: 'auto', doc: 'Worker threads that classify citizens\' texts beside the main thread (0 = on the main thread; auto = 1 when the machine has two or more cores). The classifier is the largest CPU cost of an intake.' },
  { env: 'SUBAN_CALENDAR_FILE', default: '', doc: 'Local holiday/调休 YAML for years chinese-days does not cover yet (see config/calendar-local.example.yaml).' },
  { env: 'SUBAN_WORK_HOURS', default: '08:30-12:00,14:30-17:30', doc: 'Working hours used for sign/reply deadlines (Asia/Shanghai).' },
  { env: 'SUBAN_CALL_WINDOW', default: '08:30-21:00', doc: 'Hours in which citizens may be called back (回访).' },
  { env: 'SUBAN_FLOWS_DIR', default: 'ivr-flows', doc: 'Directory of the IVR call flows (YAML).' },
  { env: 'SUBAN_JOB_POLL_MS', default: '500', doc: 'How often the job runner looks for due timers.' },
  { env: 'SUBAN_JOB_LEASE_MS', default: '60000', doc: 'How long a claimed job belongs to its instance; a job of an instance that died runs again after this.' },
  { env: 'SUBAN_CONVERSATION_LEASE_MS', default: '30000', doc: 'How long one instance holds a WeChat contact while it handles a message; a contact of an instance that died waits at most this long. Longer than a message\'s handling.' },
  { env: 'SUBAN_KPI', default: '', doc: 'Rate formulas as JSON over the defaults of hotline-practice.md, e.g. `{"satisfactionWeights":{"基本满意":0.9},"onTimeBasis":"replied","excludeMerged":true}` (src/domain/kpi/config.ts); with the default weights and no deductions it is version 1 of the 考核规则, in force until an admin adds a version (管理 › 考核规则).' },
  { env: 'SUBAN_WEBHOOK_RATE_LIMIT', default: '6000', doc: 'Requests per minute per source address on the public webhooks (/twilio, /wechat, /platforms, /open311); 0 turns the limit off.' },
  { env: 'SUBAN_TRUST_PROXY', default: '', doc: 'Reverse proxies whose `X-Forwarded-For` names the client: a comma-separated list of addresses or CIDRs (e.g. `10.0.0.5,172.16.0.0/12`); empty = trust none, the client is the connection\'s own address (login throttling and the webhook rate limits count per that address).' },
  { env: 'SUBAN_HEADERS_TIMEOUT_MS', default: '10000', doc: 'How long a client may take to send a request\'s headers before its connection is closed (a slow-loris guard).' },
  { env: 'SUBAN_REQUEST_TIMEOUT_MS', default: '30000', doc: 'How long a client may take to send a whole request, body included (408 and the connection closed); raise it when FreeSWITCH uploads large recordings over a slow link.' },
  { env: 'SUBAN_PUBLIC_CONNECTIONS_PER_ADDRESS', default: '64', doc: 'Requests one source address may have in progress at once on the public routes (/twilio, /wechat, /platforms, /open311, /freeswitch); more get 429 and the connection closed; 0 turns the cap off.' },
  { env: 'SUBAN_OPEN311_CORS_ORIGINS', default: '', doc: 'Web origins whose pages may call Open311 (`/open311/v2/…`) from a browser (CORS), comma-separated, e.g. `https://app.example.cn,https://m.example.cn`; `*` allows any origin (the API keys are then visible to every page that holds them); empty = no CORS headers.' },
  { env: 'SUBAN_MAP_TILES_URL', default: '', doc: 'Map tiles for the board\'s hotspot map, as a Leaflet URL template, e.g. `http://tiles.intranet/{z}/{x}/{y}.png` (an intranet tile server; its origin is added to the CSP\'s img-src). Empty = no tiles: the map shows the located tickets on a plain background with a coordinate grid and the townships\' names (the township chart beside it), and no request leaves the service.' },
  { env: 'SUBAN_MAP_TILES_ATTRIBUTION', default: '', doc: 'Attribution line shown on the map for SUBAN_MAP_TILES_URL\'s tiles (their licence usually requires one), e.g. `© 天地图`.' },
  { env: 'SUBAN_METRICS_TOKEN', default: '', doc: '`/metrics` answers only requests with `Authorization: Bearer <this>`. Without it (and without SUBAN_METRICS_LISTEN) only a scraper on this host, connecting directly (no proxy header), gets the metrics.', secret: true },
  { env: 'SUBAN_METRICS_LISTEN', default: '', doc: 'host:port of a separate listener for `/metrics` (e.g. 10.0.0.5:9464 on the monitoring network); set, the public port has no /metrics at all.' },
  { env: 'SUBAN_SESSION_HOURS', default: '12', doc: 'Console session lifetime.' },
  { env: 'SUBAN_COOKIE_SECURE', default: 'auto', doc: 'Secure flag on the session cookie: auto (when SUBAN_PUBLIC_URL is https), true or false.' },
  { env: 'SUBAN_CITY_DUTY_PHONE', default: '', doc: '市政府值班室 phone: receives 即办 results and the final paging step.' },
  { env: 'SUBAN_HOTLINE_DUTY_PHONE', default: '', doc: 'Hotline office duty phone: the repeating last step of every escalation chain.' },
  { env: 'SUBAN_GRID_CONFIRM_HOURS', default: '24', doc: 'Hours a replied ticket with a grid worker (网格员) waits for their on-the-spot confirmation before the 回访 goes ahead anyway.' },
  { env: 'SUBAN_ARRIVAL_CHECK_MIN', default: '20', doc: '现场处置: minutes after a unit\'s duty person acknowledged a 即办 (or 联动) page by phone or SMS until they are called back to confirm the arrival on the scene (1 arrived, 2 not yet: asked again, three calls at most), unless it was recorded meanwhile (console, SMS 「到达 <code>」); 0 turns the call off.' },
  { env: 'SUBAN_URGENT_CHECK_MIN', default: '5', doc: 'Minutes a 即办 flag raised by the classifier\'s model alone (no 即办 rule, no person) on WeChat, a phone message or a platform waits on the desk\'s 待核实即办 list before the unit is paged anyway; 0 pages at once.' },
  { env: 'SUBAN_ANSWER_FOLLOWUP', default: 'true', doc: 'Whether a 咨询 answered on first contact from the knowledge base (直接答复: at the desk, by the WeChat/SMS bots, by the IVR) gets its 回访 like any other ticket (true) or is closed at once (false, where the centre\'s rules say such answers need none). A citizen who told the bot or the IVR that the answer solved the matter (1 已解决) is closed at once either way.' },
  { env: 'TWILIO_ACCOUNT_SID', default: '', doc: 'Twilio account SID (SUBAN_VOICE/SUBAN_SMS=twilio).', secret: true },
  { env: 'TWILIO_AUTH_TOKEN', default: '', doc: 'Twilio auth token; also validates X-Twilio-Signature.', secret: true },
  { env: 'TWILIO_FROM', default: '', doc: 'The hotline number calls and SMS are sent from.' },
  { env: 'TWILIO_API_BASE', default: '', doc: 'Twilio REST API base URL; empty = https://api.twilio.com (tests point it at a loopback fake).' },
  { env: 'SUBAN_FS_HOST', default: '127.0.0.1', doc: 'FreeSWITCH event socket host (inbound ESL, for originate).' },
  { env: 'SUBAN_FS_PORT', default: '8021', doc: 'FreeSWITCH event socket port.' },
  { env: 'SUBAN_FS_PASSWORD', default: 'ClueCon', doc: 'FreeSWITCH event socket password.', secret: true },
  { env: 'SUBAN_FS_OUTBOUND_PORT', default: '8084', doc: 'Port of our outbound-socket server (dialplan `socket 127.0.0.1:8084 async full`).' },
  { env: 'SUBAN_FS_RECORDING_UPLOAD_URL', default: '', doc: 'Where FreeSWITCH uploads recordings with mod_http_cache (`record http_cache://<this>/<name>?exp=…&token=…`), e.g. http://suban:3000/freeswitch/recordings; they are stored under data/media/recordings and played at /media/recordings/ (docs/freeswitch.md). Needs SUBAN_FS_RECORDING_TOKEN.' },
  { env: 'SUBAN_FS_RECORDING_TOKEN', default: '', doc: 'Key (at least 32 characters) that signs each upload URL per recording name; the key itself never leaves Suban.', secret: true },
  { env: 'SUBAN_FS_RECORDING_MAX_MB', default: '64', doc: 'Largest recording upload accepted, in MiB.' },
  { env: 'SUBAN_FS_RECORDINGS_DIR', default: '', doc: 'Instead of uploads: a directory shared with the switch (NFS, volume) as Suban sees it; recordings are written there by FreeSWITCH and played from there at /media/recordings/.' },
  { env: 'SUBAN_FS_RECORDINGS_SWITCH_DIR', default: '', doc: 'The same shared directory as the FreeSWITCH host sees it; empty = SUBAN_FS_RECORDINGS_DIR.' },
  { env: 'SUBAN_FS_ASR_ENGINE', default: '', doc: 'Speech recognition for gathers that allow speech, as `play_and_detect_speech … detect:<this>`: the ASR module and, for mod_unimrcp, the MRCP profile, e.g. `unimrcp:aliyun` or `pocketsphinx` (docs/freeswitch.md). Empty = keys only on FreeSWITCH.' },
  { env: 'SUBAN_FS_ASR_GRAMMAR', default: 'builtin:speech/transcribe', doc: 'Grammar handed to the recognizer (free dictation by default); may start with `{name=value,…}` recognizer parameters, e.g. `{speech-language=zh-CN}builtin:speech/transcribe`.' },
  { env: 'WECHAT_MP_TOKEN', default: '', doc: 'Official Account server token (signature check).', secret: true },
  { env: 'WECHAT_MP_APPID', default: '', doc: 'Official Account AppId.' },
  { env: 'WECHAT_MP_SECRET', default: '', doc: 'Official Account AppSecret (access_token).', secret: true },
  { env: 'WECHAT_MP_AES_KEY', default: '', doc: 'EncodingAESKey for safe mode; empty = plain mode.', secret: true },
  { env: 'WECHAT_API_BASE', default: 'https://api.weixin.qq.com', doc: 'WeChat API base URL (tests point it at a loopback fake).' },
  { env: 'WECHATY_PUPPET', default: '', doc: 'wechaty puppet package for the WeChat bot; empty disables the bot (unset, `suban demo` uses wechaty-puppet-mock when it is installed).' },
  { env: 'WECHATY_PUPPET_TOKEN', default: '', doc: 'Token for the puppet service, when the puppet needs one.', secret: true },
  { env: 'SUBAN_API_TOKEN', default: '', doc: 'CLI only: the API token `suban call` and `suban wechat` use on a running server (`--token` wins; without either, a 5-minute token of the demo user admin).', secret: true },
];

const Schema = Type.Object({
  host: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  publicUrl: Type.String({ pattern: '^https?://' }),
  databaseUrl: Type.String({ pattern: '^(sqlite:|file:|postgres(ql)?://)' }),
  dbPool: Type.Integer({ minimum: 1, maximum: 200 }),
  dbSchema: Type.String({ pattern: '^([a-z_][a-z0-9_]{0,62})?$' }),
  dbConnectTimeoutMs: Type.Integer({ minimum: 100 }),
  dbQueryTimeoutMs: Type.Integer({ minimum: 100 }),
  readyTimeoutMs: Type.Integer({ minimum: 50 }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  voice: Type.Union([Type.Literal('sim'), Type.Literal('twilio'), Type.Literal('freeswitch')]),
  sms: Type.Union([Type.Literal('sim'), Type.Literal('twilio')]),
  dutyList: Type.String(),
  /**
   * The outside platforms' settings, SUBAN_PLATFORM_<SLUG>_SECRET / _REPLY_URL / _POLL_DIR (their
   * names follow each platform's file in config/platforms, so they are not in the table above).
   */
  platformEnv: Type.Record(Type.String(), Type.String()),
  linkageFile: Type.String(),
  routingModel: Type.String(),
  classifyThreshold: Type.Number({ minimum: 0, maximum: 1 }),
  classifyWorkers: Type.Integer({ minimum: 0, maximum: 16 }),
  calendarFile: Type.String(),
  workHours: Type.Array(Type.Object({ start: Type.String(), end: Type.String() }), { minItems: 1 }),
  callWindow: Type.Object({ start: Type.String(), end: Type.String() }),
  flowsDir: Type.String(),
  jobPollMs: Type.Integer({ minimum: 10 }),
  urgentCheckMin: Type.Integer({ minimum: 0, maximum: 60 }),
  arrivalCheckMin: Type.Integer({ minimum: 0, maximum: 240 }),
  answerFollowup: Type.Boolean(),
  gridConfirmHours: Type.Integer({ minimum: 1, maximum: 720 }),
  jobLeaseMs: Type.Integer({ minimum: 1000 }),
  conversationLeaseMs: Type.Integer({ minimum: 1000 }),
  webhookRateLimit: Type.Integer({ minimum: 0 }),
  trustProxy: Type.Array(Type.String()),
  headersTimeoutMs: Type.Integer({ minimum: 100 }),
  requestTimeoutMs: Type.Integer({ minimum: 100 }),
  publicConnectionsPerAddress: Type.Integer({ minimum: 0 }),
  open311CorsOrigins: Type.Array(Type.String()),
  mapTiles: Type.Object({ url: Type.String(), attribution: Type.String() }),
  metricsToken: Type.String(),
  metricsListen: Type.Union([Type.Null(), Type.Object({ host: Type.String(), port: Type.Integer({ minimum: 0, maximum: 65535 }) })]),
  kpi: Type.Any(),
  sessionHours: Type.Number({ minimum: 0.1 }),
  cookieSecure: Type.Boolean(),
  cityDutyPhone: Type.String(),
  hotlineDutyPhone: Type.String(),
  twilio: Type.Object({ accountSid: Type.String(), authToken: Type.String(), from: Type.String(), apiBase: Type.String({ pattern: '^(https?://.*)?$' }) }),
  freeswitch: Type.Object({
    host: Type.String(),
    port: Type.Integer(),
    password: Type.String(),
    outboundPort: Type.Integer(),
    // The upload URL ends up inside a `record` argument: no spaces, `$` (variable expansion), query or fragment.
    recordings: Type.Object({ uploadUrl: Type.String({ pattern: '^(https?://[^\\s?#$]+)?$' }), token: Type.String(), maxBytes: Type.Integer({ minimum: 1024 }), dir: Type.String(), switchDir: Type.String() }),
    asr: Type.Object({ engine: Type.String(), grammar: Type.String() }),
  }),
  wechatMp: Type.Object({ token: Type.String(), appId: Type.String(), secret: Type.String(), aesKey: Type.String(), apiBase: Type.String() }),
  wechaty: Type.Object({ puppet: Type.String(), token: Type.String() }),
});

export type Config = Static<typeof Schema>;

export class ConfigError extends Error {}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function ranges(name: string, raw: string): { start: string; end: string }[] {
  return raw.split(',').map((part) => {
    const [start, end] = part.trim().split('-');
    if (!start || !end || !HHMM.test(start) || !HHMM.test(end) || start >= end) throw new ConfigError(`${name}: "${part}" is not HH:MM-HH:MM`);
    return { start, end };
  });
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** SUBAN_TRUST_PROXY: addresses or CIDRs (IPv4 or IPv6), nothing else (no `true`: trusting every hop lets any client pick its address). */
function proxies(raw: string): string[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of list) {
    const [addr, bits, extra] = item.split('/');
    const v4 = IPV4.test(addr ?? '');
    const v6 = !v4 && /^[0-9a-f:.]+$/i.test(addr ?? '') && (addr ?? '').includes(':');
    const max = v4 ? 32 : 128;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if ((!v4 && !v6) || !okBits || extra !== undefined) throw new ConfigError(`SUBAN_TRUST_PROXY: "${item}" is not an address or CIDR`);
  }
  return list;
}

/** A list of web origins (scheme://host[:port], no path), or `*` alone. */
/** A Leaflet tile URL template over http(s) with {z}, {x} and {y}; empty stays empty (no tiles). */
function tilesUrl(name: string, raw: string): string {
  if (!raw) return '';
  let ok = false;
  try {
    const u = new URL(raw.replace(/\{[a-z]+\}/g, '0'));
    ok = (u.protocol === 'https:' || u.protocol === 'http:') && ['{z}', '{x}', '{y}'].every((p) => raw.includes(p));
  } catch {
    ok = false;
  }
  if (!ok) throw new ConfigError(`${name}: "${raw}" is not an http(s) tile URL template with {z}, {x} and {y}`);
  return raw;
}

/** The origin of a tile URL template ({s} subdomains become a wildcard), for the CSP's img-src; null without one. */
export function tilesOrigin(url: string): string | null {
  if (!url) return null;
  const u = new URL(url.replace(/\{s\}/g, 'SUBDOMAIN').replace(/\{[a-z]+\}/g, '0'));
  return `${u.protocol}//${u.host.toLowerCase().replace('subdomain', '*')}`;
}

function origins(name: string, raw: string): string[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.includes('*')) {
    if (list.length > 1) throw new ConfigError(`${name}: * allows every origin and cannot be combined with others`);
    return list;
  }
  for (const item of list) {
    let ok = false;
    try {
      const u = new URL(item);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === item.replace(/\/$/, '');
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError(`${name}: "${item}" is not an origin such as https://app.example.cn`);
  }
  return list.map((o) => o.replace(/\/$/, ''));
}

/** `host:port` (IPv6 in brackets), or null when empty. */
function hostPort(name: string, raw: string): { host: string; port: number } | null {
  if (!raw.trim()) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw.trim());
  if (!m || Number(m[2]) > 65535) throw new ConfigError(`${name}: "${raw}" is not host:port`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const get = (k: string) => env[k] ?? CONFIG_DOCS.find((s) => s.env === k)?.default ?? '';
  const int = (k: string) => {
    const v = Number(get(k));
    if (!Number.isFinite(v)) throw new ConfigError(`${k}: "${get(k)}" is not a number`);
    return v;
  };
  const json = (k: string): unknown => {
    const raw = get(k);
    if (!raw) return {};
    try {
      return JSON.parse(raw);
    } catch {
      throw new ConfigError(`${k}: not valid JSON`);
    }
  };
  const bool = (k: string) => {
    const v = get(k).trim().toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    throw new ConfigError(`${k}: "${get(k)}" is not true or false`);
  };
  // Unset, it follows the port: a demo on another port prints (and signs for) the address it really has.
  const publicUrl = (env.SUBAN_PUBLIC_URL || `http://localhost:${int('SUBAN_PORT')}`).replace(/\/$/, '');
  const secure = get('SUBAN_COOKIE_SECURE');
  const cfg = {
    host: get('SUBAN_HOST'),
    port: int('SUBAN_PORT'),
    publicUrl,
    databaseUrl: get('DATABASE_URL'),
    dbPool: int('SUBAN_DB_POOL'),
    dbSchema: get('SUBAN_DB_SCHEMA'),
    dbConnectTimeoutMs: int('SUBAN_DB_CONNECT_TIMEOUT_MS'),
    dbQueryTimeoutMs: int('SUBAN_DB_QUERY_TIMEOUT_MS'),
    readyTimeoutMs: int('SUBAN_READY_TIMEOUT_MS'),
    logLevel: get('SUBAN_LOG_LEVEL'),
    voice: get('SUBAN_VOICE'),
    sms: get('SUBAN_SMS'),
    dutyList: get('SUBAN_DUTY_LIST'),
    platformEnv: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('SUBAN_PLATFORM_') && typeof e[1] === 'string')),
    linkageFile: get('SUBAN_LINKAGE_FILE'),
    routingModel: get('SUBAN_ROUTING_MODEL'),
    classifyThreshold: int('SUBAN_CLASSIFY_THRESHOLD'),
    classifyWorkers: get('SUBAN_CLASSIFY_WORKERS') === 'auto' ? (availableParallelism() >= 2 ? 1 : 0) : int('SUBAN_CLASSIFY_WORKERS'),
    calendarFile: get('SUBAN_CALENDAR_FILE'),
    workHours: ranges('SUBAN_WORK_HOURS', get('SUBAN_WORK_HOURS')),
    callWindow: ranges('SUBAN_CALL_WINDOW', get('SUBAN_CALL_WINDOW'))[0],
    flowsDir: get('SUBAN_FLOWS_DIR'),
    jobPollMs: int('SUBAN_JOB_POLL_MS'),
    urgentCheckMin: int('SUBAN_URGENT_CHECK_MIN'),
    arrivalCheckMin: int('SUBAN_ARRIVAL_CHECK_MIN'),
    answerFollowup: bool('SUBAN_ANSWER_FOLLOWUP'),
    gridConfirmHours: int('SUBAN_GRID_CONFIRM_HOURS'),
    jobLeaseMs: int('SUBAN_JOB_LEASE_MS'),
    conversationLeaseMs: int('SUBAN_CONVERSATION_LEASE_MS'),
    webhookRateLimit: int('SUBAN_WEBHOOK_RATE_LIMIT'),
    trustProxy: proxies(get('SUBAN_TRUST_PROXY')),
    headersTimeoutMs: int('SUBAN_HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: int('SUBAN_REQUEST_TIMEOUT_MS'),
    publicConnectionsPerAddress: int('SUBAN_PUBLIC_CONNECTIONS_PER_ADDRESS'),
    open311CorsOrigins: origins('SUBAN_OPEN311_CORS_ORIGINS', get('SUBAN_OPEN311_CORS_ORIGINS')),
    mapTiles: { url: tilesUrl('SUBAN_MAP_TILES_URL', get('SUBAN_MAP_TILES_URL').trim()), attribution: get('SUBAN_MAP_TILES_ATTRIBUTION').trim() },
    metricsToken: get('SUBAN_METRICS_TOKEN'),
    metricsListen: hostPort('SUBAN_METRICS_LISTEN', get('SUBAN_METRICS_LISTEN')),
    kpi: json('SUBAN_KPI'),
    sessionHours: int('SUBAN_SESSION_HOURS'),
    cookieSecure: secure === 'auto' ? publicUrl.startsWith('https://') : secure === 'true',
    cityDutyPhone: get('SUBAN_CITY_DUTY_PHONE'),
    hotlineDutyPhone: get('SUBAN_HOTLINE_DUTY_PHONE'),
    twilio: { accountSid: get('TWILIO_ACCOUNT_SID'), authToken: get('TWILIO_AUTH_TOKEN'), from: get('TWILIO_FROM'), apiBase: get('TWILIO_API_BASE').replace(/\/$/, '') },
    freeswitch: {
      host: get('SUBAN_FS_HOST'),
      port: int('SUBAN_FS_PORT'),
      password: get('SUBAN_FS_PASSWORD'),
      outboundPort: int('SUBAN_FS_OUTBOUND_PORT'),
      recordings: {
        uploadUrl: get('SUBAN_FS_RECORDING_UPLOAD_URL').replace(/\/+$/, ''),
        token: get('SUBAN_FS_RECORDING_TOKEN'),
        maxBytes: Math.round(int('SUBAN_FS_RECORDING_MAX_MB') * 1024 * 1024),
        dir: get('SUBAN_FS_RECORDINGS_DIR'),
        switchDir: get('SUBAN_FS_RECORDINGS_SWITCH_DIR') || get('SUBAN_FS_RECORDINGS_DIR'),
      },
      asr: { engine: get('SUBAN_FS_ASR_ENGINE').trim(), grammar: get('SUBAN_FS_ASR_GRAMMAR').trim() },
    },
    wechatMp: { token: get('WECHAT_MP_TOKEN'), appId: get('WECHAT_MP_APPID'), secret: get('WECHAT_MP_SECRET'), aesKey: get('WECHAT_MP_AES_KEY'), apiBase: get('WECHAT_API_BASE').replace(/\/$/, '') },
    wechaty: { puppet: get('WECHATY_PUPPET'), token: get('WECHATY_PUPPET_TOKEN') },
    ...overrides,
  };
  if (!Value.Check(Schema, cfg)) {
    const first = [...Value.Errors(Schema, cfg)][0];
    throw new ConfigError(`invalid configuration at ${first?.instancePath}: ${first?.message}`);
  }
  if (cfg.headersTimeoutMs > cfg.requestTimeoutMs) throw new ConfigError('SUBAN_HEADERS_TIMEOUT_MS may not exceed SUBAN_REQUEST_TIMEOUT_MS');
  if (cfg.voice === 'twilio' || cfg.sms === 'twilio') {
    if (!cfg.twilio.accountSid || !cfg.twilio.authToken) throw new ConfigError('SUBAN_VOICE/SUBAN_SMS=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
  }
  const rec = cfg.freeswitch.recordings;
  if (rec.uploadUrl && rec.dir) throw new ConfigError('SUBAN_FS_RECORDING_UPLOAD_URL and SUBAN_FS_RECORDINGS_DIR are two ways to reach recordings: set one');
  if (rec.uploadUrl && rec.token.length < 32) throw new ConfigError('SUBAN_FS_RECORDING_UPLOAD_URL needs SUBAN_FS_RECORDING_TOKEN of at least 32 characters');
  if ((rec.dir && !rec.dir.startsWith('/')) || (rec.switchDir && !rec.switchDir.startsWith('/')) || /[\s$]/.test(rec.switchDir)) {
    throw new ConfigError('SUBAN_FS_RECORDINGS_DIR / SUBAN_FS_RECORDINGS_SWITCH_DIR must be absolute paths without spaces');
  }
  // Both go into a play_and_detect_speech argument: no spaces, no `$` (variable expansion), braces only as one leading {params} block.
  if (!/^([A-Za-z0-9_]+(:[A-Za-z0-9_.-]+)?)?$/.test(cfg.freeswitch.asr.engine)) throw new ConfigError('SUBAN_FS_ASR_ENGINE: an ASR module, optionally with an MRCP profile, e.g. unimrcp:aliyun');
  if (!/^(\{[^{}\s$]*\})?[^{}\s$]+$/.test(cfg.freeswitch.asr.grammar)) throw new ConfigError('SUBAN_FS_ASR_GRAMMAR: a grammar without spaces or $, optionally after {name=value,…}');
  if (cfg.wechatMp.aesKey && cfg.wechatMp.aesKey.length !== 43) throw new ConfigError('WECHAT_MP_AES_KEY must be the 43-character EncodingAESKey');
  return cfg as Config;
}

/** What the `suban` commands read from the environment beside the service's configuration. */
export interface CliEnv {
  /** SUBAN_API_TOKEN: `suban call` / `suban wechat` on a running server */
  apiToken: string | undefined;
  /** SUBAN_LOG_LEVEL for the one-shot commands: a command's output is its answer, so warn unless set */
  logLevel: string;
  /** `suban demo`: simulated phone and SMS unless set, the mock WeChat contact unless WECHATY_PUPPET is set (empty: no bot) */
  demo(mockInstalled: () => boolean): { noMock: boolean; config(): Config };
  /** `suban call` / `suban wechat`: always the simulator, so a test from the CLI never rings or texts a real phone */
  simulator(): Config;
}

export function cliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    apiToken: env.SUBAN_API_TOKEN,
    logLevel: env.SUBAN_LOG_LEVEL ?? 'warn',
    demo(mockInstalled) {
      const noMock = env.WECHATY_PUPPET === undefined && !mockInstalled();
      return { noMock, config: () => loadConfig({ ...env, SUBAN_VOICE: env.SUBAN_VOICE ?? 'sim', SUBAN_SMS: env.SUBAN_SMS ?? 'sim', WECHATY_PUPPET: env.WECHATY_PUPPET ?? (noMock ? '' : 'wechaty-puppet-mock') }) };
    },
    simulator: () => loadConfig({ ...env, SUBAN_VOICE: 'sim', SUBAN_SMS: 'sim' }),
  };
}

/**
 * The 联动 units (SUBAN_LINKAGE_FILE): validated against the unit directory at start; a missing file
 * means the plan's defaults (应急、公安、交通、信访), a broken one stops the start with the reason.
 */
export function loadLinkageConfig(file: string, knownUnits: Set<string>): LinkageConfig {
  if (!file || !existsSync(file)) return parseLinkageConfig(null, knownUnits);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`SUBAN_LINKAGE_FILE ${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    return parseLinkageConfig(doc, knownUnits);
  } catch (e) {
    throw new ConfigError(`SUBAN_LINKAGE_FILE ${file}: ${(e as Error).message}`);
  }
}

export function configMarkdown(): string {
  const rows = CONFIG_DOCS.map((s) => `| \`${s.env}\` | ${s.default ? `\`${s.default}\`` : '(empty)'} | ${s.doc}${s.secret ? ' **Secret.**' : ''} |`);
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
