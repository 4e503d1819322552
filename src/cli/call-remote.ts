/**
 * `suban call` against a running server: the call is placed through the simulator's API of that
 * instance (`/api/v1/sim/calls`, which exists only while its phone provider is the simulator), so the
 * screen pop reaches the operators' desks live. The CLI process has no desk of its own: a call played
 * here would pop nowhere.
 */
import type { Writable } from 'node:stream';
import type { SimCallRecord } from '../../adapters/sim/voice.js';
import type { OperatorScreenPop } from '../application/voice/screen-pop.js';

const line = (out: Writable, s = '') => out.write(`${s}\n`);

/** The address this machine's server listens on, as a client reaches it (0.0.0.0 → 127.0.0.1). */
export function localServerUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** Whether a Suban server answers at `base` (its /healthz says ok). */
export async function serverRunning(base: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return false;
    const body = (await res.json()) as { ok?: unknown };
    return body.ok === true;
  } catch {
    return false;
  }
}

export class RemoteCallError extends Error {}

export interface RemoteCallOptions {
  base: string;
  token: string;
  from: string;
  press: string[];
  say?: string;
  /** seconds a queued caller waits for an operator to answer on the desk */
  holdSec: number;
  json?: boolean;
  pollMs?: number;
  /** resolves when the user gives up (Ctrl+C): a queued caller hangs up */
  abort?: Promise<void>;
}

interface CallView {
  call: SimCallRecord;
  queued: boolean;
  screenPops: OperatorScreenPop[];
}

/** Places the call on the running server and follows it to its end; returns the exit code. */
export async function remoteCall(o: RemoteCallOptions, out: Writable): Promise<number> {
  const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> => {
    const res = await fetch(`${o.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${o.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, json: json as T };
  };
  const errorOf = (j: unknown) => (j as { error?: { code?: string; message?: string } } | null)?.error;

  const placed = await api<{ callId?: string } & Partial<SimCallRecord>>('POST', '/api/v1/sim/calls', { from: o.from, press: o.press, ...(o.say ? { say: o.say } : {}), holdMs: Math.round(o.holdSec * 1000) });
  if (placed.status === 401) throw new RemoteCallError(`服务 ${o.base} 拒绝了令牌 (the server refused the API token: ${errorOf(placed.json)?.message ?? 'unauthorised'})`);
  if (placed.status === 403) throw new RemoteCallError(`令牌的用户无权模拟来电 (the token's user may not place simulated calls: operator, supervisor or admin only)`);
  if (placed.status === 404) throw new RemoteCallError(`运行中的服务没有模拟电话 (the server at ${o.base} does not run the simulated phone provider, SUBAN_VOICE is not sim): 模拟来电只在 SUBAN_VOICE=sim 时可用`);
  if (placed.status >= 400) throw new RemoteCallError(`${errorOf(placed.json)?.code ?? placed.status}: ${errorOf(placed.json)?.message ?? 'the call was not placed'}`);
  const callId = placed.json.callId;
  if (!callId) throw new RemoteCallError('the server did not return the call');
  if (!o.json) line(out, `经运行中的服务 via the running server ${o.base}: 话务台实时弹屏 (operators' desks see this call live)`);

  let view: CallView | null = null;
  let toldQueued = false;
  let gaveUp = false;
  void o.abort?.then(() => {
    gaveUp = true;
  });
  for (;;) {
    const r = await api<CallView>('GET', `/api/v1/sim/calls/${encodeURIComponent(callId)}`);
    if (r.status >= 400) throw new RemoteCallError(`${errorOf(r.json)?.code ?? r.status}: ${errorOf(r.json)?.message ?? 'the call was lost'}`);
    view = r.json;
    if (view.call.endedAt) break;
    if (view.queued && gaveUp) {
      await api('POST', `/api/v1/sim/calls/${encodeURIComponent(callId)}/hangup`);
      gaveUp = false;
    } else if (view.queued && !toldQueued && !o.json) {
      toldQueued = true;
      line(out, `排队中 queued: 弹屏已送到话务台，等待坐席接听（最多 ${o.holdSec} 秒；Ctrl+C 挂断）… (answer it on the desk)`);
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 300));
  }
  const sms = await smsTo(api, view.call.from, view.call.startedAt);
  if (o.json) {
    line(out, JSON.stringify({ call: view.call, screenPops: view.screenPops, sms, via: o.base }, null, 2));
    return view.call.result === 'error' ? 1 : 0;
  }
  line(out, `通话 call:      ${view.call.callId}`);
  line(out, `IVR 路径 path:  ${view.call.ivrPath || '(未经菜单)'}`);
  line(out, `结果 result:    ${view.call.result ?? '-'}`);
  line(out, `工单 ticket:    ${view.call.ticketNumber ?? '(未建单)'}`);
  line(out, '听到 heard:');
  for (const h of view.call.heard) line(out, `  · ${h}`);
  for (const m of sms) line(out, `短信 SMS → ${m.to}: ${m.text}`);
  line(out, view.screenPops.length ? `弹屏 screen pop: ${view.screenPops.length} 次送到话务台 (sent to the desks)` : '弹屏 screen pop: 无 (the call never waited for an operator)');
  return view.call.result === 'error' ? 1 : 0;
}

async function smsTo(api: <T>(m: 'GET', p: string) => Promise<{ status: number; json: T }>, to: string, since: string): Promise<{ to: string; text: string; at: string }[]> {
  const r = await api<{ sms?: { to: string; text: string; at: string }[] }>('GET', '/api/v1/sim/outbox');
  if (r.status >= 400) return [];
  return (r.json.sms ?? []).filter((m) => m.to === to && m.at >= since).reverse();
}

/** `suban wechat --say "…"`: a citizen's message to the running demo's mock WeChat bot; prints the bot's replies. */
export async function remoteWechat(o: { base: string; token: string; text: string; from?: string; json?: boolean }, out: Writable): Promise<number> {
  const res = await fetch(`${o.base}/api/v1/sim/wechat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: o.text, ...(o.from ? { from: o.from } : {}) }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => null)) as { from?: string; replies?: string[]; error?: { code?: string; message?: string } } | null;
  if (res.status === 401) throw new RemoteCallError(`服务 ${o.base} 拒绝了令牌 (the server refused the API token)`);
  if (res.status === 403) throw new RemoteCallError('令牌的用户无权模拟微信消息 (operator, supervisor or admin only)');
  if (res.status === 404) throw new RemoteCallError(`运行中的服务没有模拟微信机器人 (the server at ${o.base} does not run the mock WeChat bot: WECHATY_PUPPET is not wechaty-puppet-mock)`);
  if (res.status >= 400 || !body?.replies) throw new RemoteCallError(`${body?.error?.code ?? res.status}: ${body?.error?.message ?? 'the message was not taken'}`);
  if (o.json) {
    line(out, JSON.stringify(body, null, 2));
    return 0;
  }
  line(out, `微信 ${body.from} → 12345: ${o.text}`);
  for (const r of body.replies) line(out, `12345 → ${body.from}: ${r.replace(/\n/g, '\n    ')}`);
  if (!body.replies.length) line(out, '(机器人没有回复 no reply)');
  return 0;
}
