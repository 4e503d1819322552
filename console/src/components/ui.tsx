import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { dateTime, dueIn, fullDateTime } from '../format.js';
import { Time, useMinuteTick } from './Time.js';

const STATE_TONE: Record<string, string> = {
  accepted: 'info',
  dispatched: 'warn',
  returned: 'danger',
  handling: 'info',
  replied: 'ok',
  reviewing: 'warn',
  closed: 'muted',
  merged: 'muted',
};

export function StateBadge({ state, label }: { state: string; label: string }) {
  return <span class={`badge badge-${STATE_TONE[state] ?? 'muted'}`}>{label}</span>;
}

export function UrgentBadge() {
  return (
    <span class="badge badge-urgent" title="即办件：立即处置">
      即办
    </span>
  );
}

/** A past instant: the one date format (relative, the absolute on hover), see <Time>. */
export function When({ at }: { at: string | null | undefined }) {
  return <Time iso={at} />;
}

/** A due date: 「还剩 3 小时」「已超期 2 天」 (the date when done), the absolute time on hover like <Time>. */
export function Deadline({ at, done }: { at: string | null; done?: boolean }) {
  useMinuteTick();
  if (!at) return <span class="muted">—</span>;
  const full = fullDateTime(at);
  if (done)
    return (
      <time class="muted" dateTime={at} title={full}>
        {dateTime(at).slice(0, 10)}
      </time>
    );
  const d = dueIn(at);
  return (
    <time class={d.overdue ? 'due-over' : d.soon ? 'due-soon' : ''} dateTime={at} title={full}>
      {d.text}
    </time>
  );
}

/** The honest empty state: nothing to show, or a part of Suban not present in this build. */
export function Empty({ children, missing }: { children?: ComponentChildren; missing?: boolean }) {
  return (
    <div class={`empty${missing ? ' empty-missing' : ''}`} role="status">
      <strong>暂无数据</strong>
      {children ? <span>{children}</span> : null}
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  return (
    <div class="alert alert-error" role="alert">
      {msg}
    </div>
  );
}

export function Loading() {
  return (
    <div class="loading" role="status" aria-live="polite">
      正在加载…
    </div>
  );
}

/** A modal dialog that takes the focus, keeps Tab inside, and closes on Esc. */
export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, textarea, select, button:not(.modal-close)');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
      }
      if (e.key === 'Tab' && ref.current) {
        const f = [...ref.current.querySelectorAll<HTMLElement>('input, textarea, select, button, a[href]')].filter((x) => !x.hasAttribute('disabled'));
        if (!f.length) return;
        const i = f.indexOf(document.activeElement as HTMLElement);
        if (e.shiftKey && i <= 0) {
          e.preventDefault();
          f[f.length - 1]!.focus();
        } else if (!e.shiftKey && i === f.length - 1) {
          e.preventDefault();
          f[0]!.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, []);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <header>
          <h2>{title}</h2>
          <button type="button" class="modal-close" aria-label="关闭" onClick={onClose}>
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

export function Section({ title, actions, children, class: cls }: { title: string; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  const id = useId();
  return (
    <section class={`card ${cls ?? ''}`} aria-labelledby={id}>
      <header class="card-head">
        <h2 id={id}>{title}</h2>
        {actions ? <div class="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}
