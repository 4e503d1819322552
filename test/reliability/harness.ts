/**
 * What the reliability tests share: a prepared database (units, demo duty rosters, an operator
 * token) on a temp SQLite file or a PostgreSQL schema of its own, the environment of a real
 * `suban serve` wired to loopback fakes of Twilio and the WeChat API, the providers' side of
 * the webhooks (a Twilio call and SMS, a WeChat Official Account message, a REST intake, a
 * 附件2 platform push), and plain SQL to count what ended up in the database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import pg from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { seed } from '../../src/application/seed.js';
import { seedDemoRosters } from '../../src/application/paging/demo.js';
import { classifier } from '../helpers/app.js';
import { dropSchema, newSchemaName } from '../helpers/db.js';
import { FakeTwilio, TwilioWebhooks } from '../fakes/fake-twilio.js';
import { FakeWechatApi } from '../fakes/fake-wechat-api.js';
import { mpXml, signedQuery } from '../e2e/wechat-harness.js';
import { busChannel } from '../../adapters/bus/pg-bus.js';
import { TOPIC } from '../../src/application/ports/events.js';
import { signedHeaders } from '../../src/application/platforms/signature.js';
import { envPrefix } from '../../src/application/platforms/config.js';
import { Open311Store } from '../../src/application/platforms/open311.js';

export const PG_URL = process.env.SUBAN_TEST_PG_URL ?? '';
export const PG_SKIP = PG_URL ? false : 'SUBAN_TEST_PG_URL not set: the PostgreSQL reliability tests run in CI';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'reliability-twilio-token';
export const PUBLIC_URL = 'https://hotline.example.cn';
export const HOTLINE = '+8612345000';
export const MP_TOKEN = 'reliability-mp-token';
export const MP_APPID = 'wxreliability00001';
export const MP_SECRET = 'reliability-mp-secret';
/** The one 附件2 platform whose pushes the served process takes (interconnect: a mirror per case). */
export const PLATFORM = 'hotline-12315';
/** The Open311 client app of the scenario; its requests' source keys are `open311:<client>:<Idempotency-Key>`. */
export const OPEN311_CLIENT = 'crash-fms';
export const PLATFORM_SECRET = 'reliability-platform-secret';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export type Engine = 'sqlite' | 'pg';

/** Plain SQL over whichever database the service uses; `?` placeholders on both. */
export interface Sql {
  rows<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  count(text: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

export interface Prepared {
  engine: Engine;
  /** DATABASE_URL (and SUBAN_DB_SCHEMA) for a child process */
  dbEnv: Record<string, string>;
  /** a bearer token of an operator */
  token: string;
  sql: Sql;
  twilio: FakeTwilio;
  wechat: FakeWechatApi;
  /** The whole environment of a `suban serve` on this database with the fakes. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Tickets made before any server started, whose timers are due at once (see PrepareOptions). */
  urgentIds: string[];
  repliedIds: string[];
  /** api_key of the Open311 client OPEN311_CLIENT */
  open311Key: string;
}

export interface PrepareOptions {
  dbUrl?: string;
  /** 即办 tickets dispatched to 市城管局: a page.start job each, due now. */
  urgent?: number;
  /** Tickets replied by 市城管局: a followup.start job each, due now (回访 call to the citizen). */
  replied?: number;
}

/** Environment every process of a test shares, the preparing container included. */
const COMMON_ENV = {
  // Real time in the children: calls and 回访 must be allowed whenever the test runs.
  SUBAN_CALL_WINDOW: '00:00-23:59',
};

/** Migrated, seeded (units, demo rosters), an operator with a token; the fakes listening. */
export async function prepare(t: Teardown, engine: Engine, opts: PrepareOptions = {}): Promise<Prepared> {
  let dbEnv: Record<string, string>;
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'suban-rel-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    dbEnv = { DATABASE_URL: `sqlite:${join(dir, 'suban.db')}` };
  } else {
    const schema = newSchemaName();
    dbEnv = { DATABASE_URL: opts.dbUrl ?? PG_URL, SUBAN_DB_SCHEMA: schema };
    t.teardown(() => dropSchema(PG_URL, schema));
  }
  const config = loadConfig({ ...dbEnv, ...COMMON_ENV, SUBAN_LOG_LEVEL: 'warn' });
  const ctx = await createContainer(config, createLogger('error'), { classifier: classifier() });
  let token: string;
  let open311Key: string;
  const urgentIds: string[] = [];
  const repliedIds: string[] = [];
  try {
    await seed(ctx, false);
    await seedDemoRosters(ctx);
    const op = await ctx.auth.addUser({ name: `op${randomBytes(3).toString('hex')}`, role: 'operator' });
    token = await ctx.auth.issueToken(op.id);
    open311Key = await new Open311Store(ctx.state, () => ctx.clock.now()).registerClient(OPEN311_CLIENT);
    const by = { id: op.id, role: 'operator' as const, name: '话务员' };
    for (let i = 0; i < (opts.urgent ?? 0); i++) {
      const r = await ctx.tickets.intake({ channel: 'phone', content: `解放路${i}号燃气管道漏气，气味很大`, contact: `1390000${String(1000 + i)}`, urgent: true, unit: '市城管局', sourceKey: `prep:urgent:${i}` }, by, 'test');
      urgentIds.push(r.ticket.id);
    }
    const unit = { id: 'unit-cgj', role: 'unit' as const, name: '城管局办理人', unit: '市城管局' };
    for (let i = 0; i < (opts.replied ?? 0); i++) {
      const r = await ctx.tickets.intake({ channel: 'phone', content: `建设路${i}号路灯不亮`, contact: `1390000${String(2000 + i)}`, unit: '市城管局', sourceKey: `prep:replied:${i}` }, by, 'test');
      await ctx.tickets.apply(r.ticket.id, unit, 'test', () => [{ type: 'signed' }]);
      await ctx.tickets.apply(r.ticket.id, unit, 'test', () => [{ type: 'replied', reply: '已更换灯泡，路灯恢复照明。' }]);
      repliedIds.push(r.ticket.id);
    }
    await ctx.pagingIdle();
  } finally {
    await ctx.close();
  }
  const sql = engine === 'sqlite' ? sqliteSql(dbEnv.DATABASE_URL!.slice('sqlite:'.length)) : pgSql(PG_URL, dbEnv.SUBAN_DB_SCHEMA!);
  t.teardown(() => sql.close());

  const twilio = new FakeTwilio(ACCOUNT_SID, AUTH_TOKEN);
  await twilio.listen();
  t.teardown(() => twilio.close());
  const wechat = new FakeWechatApi(MP_APPID, MP_SECRET);
  const wechatBase = await wechat.start();
  t.teardown(() => wechat.stop());

  const env = (extra: Record<string, string> = {}) => ({
    ...dbEnv,
    SUBAN_PUBLIC_URL: PUBLIC_URL,
    SUBAN_VOICE: 'twilio',
    SUBAN_SMS: 'twilio',
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM: HOTLINE,
    TWILIO_API_BASE: twilio.baseUrl,
    WECHAT_MP_TOKEN: MP_TOKEN,
    WECHAT_MP_APPID: MP_APPID,
    WECHAT_MP_SECRET: MP_SECRET,
    WECHAT_API_BASE: wechatBase,
    WECHATY_PUPPET: '',
    [`${envPrefix(PLATFORM)}_SECRET`]: PLATFORM_SECRET,
    ...COMMON_ENV,
    SUBAN_JOB_POLL_MS: '200',
    SUBAN_WEBHOOK_RATE_LIMIT: '0',
    SUBAN_DB_POOL: '6',
    SUBAN_LOG_LEVEL: 'warn',
    ...extra,
  });
  return { engine, dbEnv, token, sql, twilio, wechat, env, urgentIds, repliedIds, open311Key };
}

function sqliteSql(file: string): Sql {
  let conn: BetterSqlite.Database | null = null;
  const open = () => (conn ??= new BetterSqlite(file, { readonly: true, fileMustExist: true }));
  return {
    rows: async <T>(text: string, params: unknown[] = []) => open().prepare(text).all(...params) as T[],
    count: async (text, params = []) => Number(Object.values(open().prepare(text).get(...params) as object)[0]),
    close: async () => {
      conn?.close();
      conn = null;
    },
  };
}

function pgSql(url: string, schema: string): Sql {
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined);
  const numbered = (text: string) => {
    let i = 0;
    return text.replace(/\?/g, () => `$${++i}`);
  };
  return {
    rows: async <T>(text: string, params: unknown[] = []) => (await pool.query(numbered(text), params)).rows as T[],
    count: async (text, params = []) => Number(Object.values((await pool.query(numbered(text), params)).rows[0] as object)[0]),
    close: () => pool.end(),
  };
}

/** Calls Twilio was asked to place, by our ref (page:…:step:attempt, followup:…:call:n): from the oc in each call's URL. */
export async function twilioCallsByRef(p: Pick<Prepared, 'sql' | 'twilio'>): Promise<Map<string, number>> {
  const docs = await p.sql.rows<{ key: string; doc: unknown }>(`SELECT key, doc FROM state_docs WHERE scope = 'twilio-outbound'`);
  const refOf = new Map(docs.map((d) => [d.key, (typeof d.doc === 'string' ? JSON.parse(d.doc) : d.doc) as { ref: string }]));
  const out = new Map<string, number>();
  for (const c of p.twilio.calls) {
    const oc = new URL(c.url).searchParams.get('oc') ?? '';
    const ref = refOf.get(oc)?.ref ?? `unknown:${oc}`;
    out.set(ref, (out.get(ref) ?? 0) + 1);
  }
  return out;
}

// ---- the providers' side ------------------------------------------------------------------------

export interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

/** A request that may meet a dead server: the transport error is an answer too (status 0). */
export async function send(url: string, init: RequestInit & { timeoutMs?: number }): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) });
    return { status: res.status, body: await res.text(), headers: res.headers };
  } catch (e) {
    return { status: 0, body: String((e as Error).cause ?? e), headers: new Headers() };
  }
}

export const twilioSid = (prefix: 'CA' | 'SM', n: number, salt: string) => `${prefix}${salt}${String(n).padStart(32 - salt.length, '0')}`;

/** Twilio's webhooks, signed for PUBLIC_URL, to any instance. */
export function twilioTo(baseUrl: string) {
  const hooks = new TwilioWebhooks(AUTH_TOKEN, PUBLIC_URL, baseUrl);
  return {
    sign: (path: string, params: Record<string, string>) => hooks.sign(path, params),
    post: async (url: string, params: Record<string, string>): Promise<Answer> => {
      const path = url.startsWith(PUBLIC_URL) ? url.slice(PUBLIC_URL.length) : url;
      return send(baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': hooks.sign(path, params) },
        body: new URLSearchParams(params).toString(),
      });
    },
  };
}

export function twimlAttr(xml: string, tag: string, name: string): string | undefined {
  const m = new RegExp(`<${tag}\\b[^>]*\\b${name}="([^"]*)"`).exec(xml);
  return m ? m[1]!.replace(/&amp;/g, '&') : undefined;
}

/** A WeChat Official Account message (plain mode), signed as WeChat does. */
export function wechatTo(baseUrl: string) {
  return async (m: { openid: string; msgId: string; type: 'text' | 'location'; content?: string; lat?: number; lng?: number; label?: string }): Promise<Answer> => {
    const ts = String(Math.floor(Date.now() / 1000));
    const q = signedQuery(MP_TOKEN, ts, `n${randomBytes(4).toString('hex')}`, { openid: m.openid });
    return send(`${baseUrl}/wechat/mp?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: mpXml({ from: m.openid, createTime: Number(ts), msgId: m.msgId, type: m.type, content: m.content, lat: m.lat, lng: m.lng, label: m.label }),
    });
  };
}

/** Content of a passive reply, null for `success`. */
export function passiveText(body: string): string | null {
  if (body === 'success') return null;
  return /<Content><!\[CDATA\[([\s\S]*)\]\]><\/Content>/.exec(body)?.[1] ?? null;
}

export function restCreate(baseUrl: string, token: string, body: Record<string, unknown>): Promise<Answer> {
  return send(`${baseUrl}/api/v1/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A 附件2 platform's push, signed at the moment it is sent (each retry is signed afresh, as a platform does). */
export function platformPush(baseUrl: string, body: unknown, slug = PLATFORM, secret = PLATFORM_SECRET): Promise<Answer> {
  const raw = JSON.stringify(body);
  return send(`${baseUrl}/platforms/${slug}/cases`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(secret, raw, new Date()) }, body: raw });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; no deadline on correctness, only on waiting. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false | 0>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** An operator socket on `url`; the screen pops it receives are collected in the returned array. */
export async function operatorPops(t: { teardown(f: () => unknown): void }, url: string, token: string): Promise<unknown[]> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/operator?token=${token}`);
  const pops: unknown[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { type: string; pop?: unknown };
    if (m.type === 'screenpop') pops.push(m.pop);
  });
  await new Promise((r) => ws.once('open', r));
  t.teardown(() => ws.terminate());
  return pops;
}

/**
 * The service came back by itself after the database was away: a 即办 ticket is accepted and the job
 * runner pages it, and a NOTIFY from another instance reaches this one's operators (`pops` collects the
 * screen pops an operator socket received). Returns the 即办 ticket's external ref.
 */
export async function checkRecovered(
  t: { pass(m: string): void; match(v: unknown, p: unknown, m: string): void; teardown(f: () => unknown): void },
  o: { url: string; p: Prepared; pops: unknown[]; salt: string; after: string },
): Promise<string> {
  const { p, salt } = o;
  const ref = `fire-${salt}`;
  const urgent = await until('a 即办 ticket', async () => {
    const r = await restCreate(o.url, p.token, { content: '光明路煤气罐起火了，火势很大', urgent: true, unit: '市城管局', contact: '13800000777', externalRef: ref, idempotencyKey: ref });
    return r.status === 201 ? r : null;
  }, 20_000, 500);
  const urgentId = (JSON.parse(urgent.body) as { ticket: { id: string } }).ticket.id;
  await until('the job runner pages again', () => p.sql.count(`SELECT count(*) FROM page_attempts WHERE ticket_id = ? AND status = 'sent'`, [urgentId]), 30_000, 250);
  t.pass(`the job runner survived ${o.after} and pages`);

  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  t.teardown(() => admin.end());
  const channel = busChannel(p.dbEnv.SUBAN_DB_SCHEMA);
  await until('the bus to listen again', async () => {
    await admin.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ o: 'another-instance', t: TOPIC.screenPop, p: { callId: `CA-${salt}` } })]);
    await sleep(300);
    return o.pops.length > 0;
  }, 30_000, 200);
  t.match(o.pops[0], { callId: `CA-${salt}` }, `a screen pop from another instance arrived after ${o.after}`);
  return ref;
}

/** An Open311 GeoReport v2 service request, form-encoded, retried with the same Idempotency-Key. */
export function open311Request(baseUrl: string, apiKey: string, idempotencyKey: string, fields: Record<string, string>): Promise<Answer> {
  return send(`${baseUrl}/open311/v2/requests.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': idempotencyKey },
    body: new URLSearchParams({ api_key: apiKey, ...fields }).toString(),
  });
}
