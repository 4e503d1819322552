/** How the console writes times, durations and labels: always Beijing time, always Chinese. */
import { ROLE_LABELS, type Role } from '../../src/domain/policy.js';

const TZ = 'Asia/Shanghai';

/** Milliseconds the service's clock is ahead of this PC's (a test or demo clock, or a skewed PC). */
let serverOffset = 0;
export function setServerNow(iso: string): void {
  const t = Date.parse(iso);
  if (!Number.isNaN(t)) serverOffset = t - Date.now();
}
export const serverNow = () => Date.now() + serverOffset;
/** YYYY-MM-DD of the service's today in Beijing. */
export const serverToday = () => new Date(serverNow() + 8 * 3600_000).toISOString().slice(0, 10);
const dtf = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const tf = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dtf.format(d).replace(/\//g, '-');
}

const dtsf = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** 「2026-12-07 14:05:33」: the absolute time a `<Time>` shows on hover. */
export function fullDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dtsf.format(d).replace(/\//g, '-');
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : tf.format(d);
}

/** "还剩 3 小时" / "已超期 2 天" relative to now. */
export function dueIn(iso: string | null | undefined, now = serverNow()): { text: string; overdue: boolean; soon: boolean } {
  if (!iso) return { text: '—', overdue: false, soon: false };
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const h = abs / 3600_000;
  const span = h >= 48 ? `${Math.floor(h / 24)} 天` : h >= 1 ? `${Math.floor(h)} 小时` : `${Math.max(1, Math.floor(abs / 60_000))} 分钟`;
  return ms < 0 ? { text: `已超期 ${span}`, overdue: true, soon: false } : { text: `还剩 ${span}`, overdue: false, soon: h < 4 };
}

/**
 * 「3 分钟前」「2 小时前」「昨天 14:05」「3 天前」, and ahead 「20 分钟后」「明天 09:00」「5 天后」; the
 * absolute time beyond 30 days (the one date format: relative, the absolute on hover — see <Time>).
 */
export function ago(iso: string | null | undefined, now = serverNow()): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '—';
  const s = Math.round((now - t) / 1000);
  const day = (ms: number) => Math.floor((ms + 8 * 3600_000) / 86400_000);
  const days = day(now) - day(t);
  const hm = dateTime(iso).slice(11);
  if (s < 0) {
    const ahead = -s;
    if (ahead < 60) return '马上';
    if (ahead < 3600) return `${Math.floor(ahead / 60)} 分钟后`;
    if (days === 0) return `${Math.floor(ahead / 3600)} 小时后`;
    if (days === -1) return `明天 ${hm}`;
    if (days >= -30) return `${-days} 天后`;
    return dateTime(iso);
  }
  if (s < 60) return '刚刚';
  if (s < 3600) return `${Math.floor(s / 60)} 分钟前`;
  if (days === 0) return `${Math.floor(s / 3600)} 小时前`;
  if (days === 1) return `昨天 ${hm}`;
  if (days <= 30) return `${days} 天前`;
  return dateTime(iso);
}

export function waited(sinceIso: string, now = serverNow()): string {
  const s = Math.max(0, Math.round((now - new Date(sinceIso).getTime()) / 1000));
  return s < 60 ? `${s} 秒` : `${Math.floor(s / 60)} 分 ${s % 60} 秒`;
}

/** Who acted, in Chinese: the console's roles, and the service's own actors (system, channels). */
const ACTOR_ROLES: Record<string, string> = { system: '系统', citizen: '群众', platform: '外部平台', channel: '渠道', cli: '命令行' };
export const roleLabel = (r: string) => ROLE_LABELS[r as Role] ?? ACTOR_ROLES[r] ?? r;

/** Where a change came from (an event's `via`), in Chinese. */
const VIA: Record<string, string> = { api: '接口', console: '工作台', phone: '电话', wechat: '微信', 'wechat-mp': '公众号', sms: '短信', web: '网页', open311: 'Open311', system: '系统', cli: '命令行', grid: '网格员', email: '邮件', timer: '定时任务' };
export const viaLabel = (v: string) => VIA[v] ?? (v.startsWith('platform:') ? `平台:${v.slice(9)}` : v);

/** 乡镇 and 地点 as one short text, without saying a township twice (象湖镇 象湖镇) or leaving a dangling separator. */
export function placeLabel(township: string | null | undefined, place: string | null | undefined): string {
  const tw = township?.trim() ?? '';
  const pl = place?.trim() ?? '';
  if (!pl) return tw;
  if (!tw || pl.startsWith(tw)) return pl;
  return `${tw} ${pl}`;
}

const CHANNELS: Record<string, string> = { phone: '电话', wechat: '微信', 'wechat-mp': '公众号', sms: '短信', web: '网页', open311: 'Open311', grid: '网格员' };
export const channelLabel = (c: string) => CHANNELS[c] ?? (c.startsWith('platform:') ? `平台:${c.slice(9)}` : c);
export const CHANNEL_OPTIONS = Object.entries(CHANNELS);

export const percent = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);

/**
 * One piece of a classifier's evidence as an operator reads it: the duty list's phrase without its
 * points (路灯坏了(+3) → 路灯坏了), the learned model as 「与历史工单相似 92%（路灯、不亮）」 instead
 * of its raw vote (模型92%(+7.4):路灯、不亮).
 */
export function evidenceText(e: string): string {
  const m = /^模型(\d+)%\([^)]*\)(?::(.*))?$/.exec(e);
  if (m) return `与历史工单相似 ${m[1]}%${m[2] ? `（${m[2]}）` : ''}`;
  return e.replace(/\s*[(（][+-]?\d+(?:\.\d+)?[)）]/g, '').trim();
}
