/**
 * A whole Suban service for the WeChat tests, lighter than test/helpers/app.ts (no users, so no
 * password hashing) and able to open the SAME database twice, to restart mid-conversation.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/domain/clock.js';
import { buildApp } from '../../src/web/app.js';
import { seed } from '../../src/application/seed.js';
import { classifier, LogSink } from '../helpers/app.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface WechatService {
  ctx: Container;
  app: FastifyInstance;
  logs: LogSink;
  close(): Promise<void>;
}

/** A temp-file SQLite URL, removed after the test (a restart needs a database that outlives the process' first container). */
export function tempDatabaseUrl(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'suban-wechat-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return `sqlite:${join(dir, 'suban.db')}`;
}

/**
 * Builds container + app on `dbUrl` with the given clock; `plugins(ctx)` returns the extra
 * fastify plugins (the WeChat webhook). Closed at teardown unless closed earlier.
 */
export async function startService(
  t: Teardown,
  opts: { dbUrl?: string; clock: FakeClock; env?: Record<string, string>; plugins?: (ctx: Container) => ((app: FastifyInstance) => Promise<void>)[] },
): Promise<WechatService> {
  const config = loadConfig({
    DATABASE_URL: opts.dbUrl ?? 'sqlite::memory:',
    SUBAN_PUBLIC_URL: 'https://hotline.example.cn',
    SUBAN_LOG_LEVEL: 'info',
    SUBAN_JOB_POLL_MS: '60000',
    ...opts.env,
  });
  const logs = new LogSink();
  const ctx = await createContainer(config, createLogger(config.logLevel, logs), { clock: opts.clock, classifier: classifier() });
  await seed(ctx, false);
  const extra = opts.plugins?.(ctx) ?? [];
  // A test that builds its own webhook (its own engine, timings) replaces the container's one.
  if (extra.length) ctx.wechatMp = { ...ctx.wechatMp, enabled: false };
  const app = await buildApp(ctx, { plugins: extra });
  await app.ready();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await ctx.close();
  };
  t.teardown(close);
  return { ctx, app, logs, close };
}

export const sha1Sorted = (parts: string[]) => createHash('sha1').update([...parts].sort().join('')).digest('hex');

/** Query string of a plain-mode POST/GET as WeChat signs it. */
export function signedQuery(token: string, timestamp: string, nonce: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ signature: sha1Sorted([token, timestamp, nonce]), timestamp, nonce, ...extra });
  return q.toString();
}

export interface MpMessage {
  from: string;
  to?: string;
  createTime: number;
  msgId?: string;
  type: 'text' | 'image' | 'voice' | 'location' | 'event' | 'video';
  content?: string;
  picUrl?: string;
  mediaId?: string;
  recognition?: string;
  lat?: number;
  lng?: number;
  label?: string;
  event?: string;
  eventKey?: string;
}

const cd = (s: string) => `<![CDATA[${s}]]>`;

/** The XML WeChat posts for a message. */
export function mpXml(m: MpMessage): string {
  const f: string[] = [`<ToUserName>${cd(m.to ?? 'gh_hotline12345')}</ToUserName>`, `<FromUserName>${cd(m.from)}</FromUserName>`, `<CreateTime>${m.createTime}</CreateTime>`, `<MsgType>${cd(m.type)}</MsgType>`];
  if (m.type === 'text') f.push(`<Content>${cd(m.content ?? '')}</Content>`);
  if (m.type === 'image') f.push(`<PicUrl>${cd(m.picUrl ?? '')}</PicUrl>`, `<MediaId>${cd(m.mediaId ?? 'media1')}</MediaId>`);
  if (m.type === 'voice') f.push(`<MediaId>${cd(m.mediaId ?? 'voice1')}</MediaId>`, `<Format>${cd('amr')}</Format>`, `<Recognition>${cd(m.recognition ?? '')}</Recognition>`);
  if (m.type === 'video') f.push(`<MediaId>${cd(m.mediaId ?? 'video1')}</MediaId>`, `<ThumbMediaId>${cd('thumb')}</ThumbMediaId>`);
  if (m.type === 'location') f.push(`<Location_X>${m.lat}</Location_X>`, `<Location_Y>${m.lng}</Location_Y>`, `<Scale>15</Scale>`, `<Label>${cd(m.label ?? '')}</Label>`);
  if (m.type === 'event') {
    f.push(`<Event>${cd(m.event ?? 'subscribe')}</Event>`);
    if (m.eventKey !== undefined) f.push(`<EventKey>${cd(m.eventKey)}</EventKey>`);
  }
  if (m.msgId) f.push(`<MsgId>${m.msgId}</MsgId>`);
  return `<xml>${f.join('')}</xml>`;
}

/** Content of a plain passive text reply, or null for `success`. */
export function replyContent(body: string): string | null {
  if (body === 'success') return null;
  const m = /<Content><!\[CDATA\[([\s\S]*)\]\]><\/Content>/.exec(body);
  if (!m) throw new Error(`not a passive text reply: ${body.slice(0, 200)}`);
  return m[1];
}
