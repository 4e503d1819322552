/**
 * What must not be missed while the console is in a background tab: a short tone and a desktop
 * notification (once the user allowed them) for a new screen pop (office), a new 待签收 ticket and a
 * page to my unit (units); and a banner across the page while the live connection is down.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { liveStatus, onLive } from '../live.js';
import { useStore } from '../store.js';
import type { User } from '../types.js';

const OFFICE = new Set(['operator', 'supervisor', 'admin']);

/** A short two-note tone (Web Audio; silent when the browser has not allowed sound yet). */
function tone(): void {
  try {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    for (const [i, f] of [880, 660].entries()) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      g.gain.value = 0.08;
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + i * 0.18);
      o.stop(ctx.currentTime + i * 0.18 + 0.15);
    }
    setTimeout(() => void ctx.close().catch(() => undefined), 800);
  } catch {
    // no sound is not an error
  }
}

/** Tone and, with permission, a desktop notification; `tag` keeps one notice per matter. */
export function notify(title: string, body: string, tag: string): void {
  tone();
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    new Notification(title, { body, tag });
  } catch {
    // some browsers allow notifications only from a service worker
  }
}

export function Alerts({ user }: { user: User }) {
  const live = useStore(liveStatus);
  const seen = useRef(new Set<string>());
  const [permission, setPermission] = useState(typeof Notification === 'undefined' ? 'denied' : Notification.permission);
  const once = (key: string, f: () => void) => {
    if (seen.current.has(key)) return;
    seen.current.add(key);
    f();
  };
  useEffect(() => {
    const offs: (() => void)[] = [];
    if (OFFICE.has(user.role)) {
      offs.push(onLive('screenpop', (p: { callId: string; caller?: string; queue?: string }) => once(`pop:${p.callId}`, () => notify('新来电', `${p.caller ?? ''}${p.queue === 'urgent' ? '（即办）' : ''}`, `pop:${p.callId}`))));
    }
    if (user.role === 'unit') {
      offs.push(
        onLive('ticket', (t: { id: string; number: string; state: string; unit: string | null; urgent?: boolean; events?: string[] }) => {
          if (t.unit === user.unit && t.state === 'dispatched' && t.events?.includes('dispatched')) once(`ticket:${t.id}:${t.events.join(',')}`, () => notify('新工单待签收', `${t.number}${t.urgent ? '（即办）' : ''}`, `ticket:${t.id}`));
        }),
      );
      offs.push(
        onLive('page', (p: { id: string; ticketNumber?: string; unit?: string | null; status?: string }) => {
          if (p.unit === user.unit && p.status === 'running') once(`page:${p.id}`, () => notify('值班呼叫', `工单 ${p.ticketNumber ?? ''} 请立即确认接单`, `page:${p.id}`));
        }),
      );
    }
    return () => offs.forEach((f) => f());
  }, [user.id]);

  const down = live.console === 'closed' || (OFFICE.has(user.role) && live.operator === 'closed');
  return (
    <>
      {down ? (
        <div class="alert alert-error live-banner" role="alert" data-testid="live-down">
          实时连接已中断，正在重连…… 新来电、新工单和呼叫在恢复前不会自动出现，请勿关闭页面。
        </div>
      ) : null}
      {permission === 'default' ? (
        <p class="notify-ask">
          <button
            type="button"
            class="btn btn-small"
            onClick={() =>
              void Notification.requestPermission().then(
                (p) => setPermission(p),
                () => undefined,
              )
            }
          >
            开启桌面通知
          </button>{' '}
          <span class="muted">{OFFICE.has(user.role) ? '新来电' : '新工单和值班呼叫'}时提醒（页面在后台时也能看到）</span>
        </p>
      ) : null}
    </>
  );
}
