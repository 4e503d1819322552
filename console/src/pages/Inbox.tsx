/**
 * 单位待办: what the unit must do, most pressing first — 即办 before normal, then the nearest
 * deadline. New dispatches appear live; 签收 is one click, 退单/延期/反馈 open a short form.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { ACTIONS, type ActionSpec } from '../actions.js';
import { ActionDialog } from '../components/ActionDialog.js';
import { Deadline, Empty, ErrorBox, Loading, Section, StateBadge, UrgentBadge, When } from '../components/ui.js';
import { channelLabel, dateTime, placeLabel } from '../format.js';
import { useLive } from '../live.js';
import type { TicketChange, TicketView, User } from '../types.js';

const byUrgency = (deadline: (t: TicketView) => string | null) => (a: TicketView, b: TicketView) =>
  Number(b.urgent) - Number(a.urgent) || (deadline(a) ?? '9').localeCompare(deadline(b) ?? '9');

const spec = (event: string) => ACTIONS.find((a) => a.event === event)!;

export function InboxPage({ user }: { user: User }) {
  const [items, setItems] = useState<TicketView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<{ spec: ActionSpec; ticket: TicketView } | null>(null);
  const [notice, setNotice] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const seen = useRef<Set<string> | null>(null);
  const load = () =>
    get<{ items: TicketView[] }>('/api/v1/tickets?state=dispatched,handling&limit=200').then(
      (r) => {
        // Anything not on the list before is new to the unit (a first dispatch or a re-dispatch).
        const before = seen.current;
        const arrived = before ? r.items.filter((t) => !before.has(t.id)) : [];
        seen.current = new Set(r.items.map((t) => t.id));
        if (arrived.length) {
          setFresh((s) => new Set([...s, ...arrived.map((t) => t.id)]));
          setNotice(`新工单 ${arrived.map((t) => `${t.number}${t.urgent ? '（即办）' : ''}`).join('、')} 已派至本单位`);
        }
        setItems(r.items);
        setError(null);
      },
      setError,
    );
  useEffect(() => {
    void load();
  }, []);
  useLive('ticket', (_c: TicketChange) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), 150);
  });

  const sign = async (t: TicketView) => {
    try {
      await post(`/api/v1/tickets/${t.id}/sign`);
      setNotice(`已签收 ${t.number}`);
      void load();
    } catch (e) {
      setError(e);
    }
  };

  if (!items) return error ? <ErrorBox error={error} /> : <Loading />;
  // 协办: tickets another unit leads, where this unit signs and replies its own part.
  const own = items.filter((t) => t.unit === user.unit);
  const partOf = (t: TicketView) => (t.assists ?? []).find((p) => p.unit === user.unit && p.state !== 'removed');
  const assisting = items.filter((t) => t.unit !== user.unit && partOf(t)).sort(byUrgency((t) => partOf(t)?.signDeadline ?? null));
  const toSign = own.filter((t) => t.state === 'dispatched').sort(byUrgency((t) => t.signDeadline));
  const handling = own.filter((t) => t.state === 'handling').sort(byUrgency((t) => t.replyDeadline));
  const signPart = async (t: TicketView) => {
    try {
      await post(`/api/v1/tickets/${t.id}/assist/sign`);
      setNotice(`已签收协办 ${t.number}`);
      void load();
    } catch (e) {
      setError(e);
    }
  };

  const row = (t: TicketView, actions: preact.ComponentChildren) => (
    <li key={t.id} class={`inbox-item${t.urgent ? ' urgent' : ''}${t.overdue ? ' overdue' : ''}${fresh.has(t.id) ? ' fresh' : ''}`} data-ticket={t.number}>
      <div class="inbox-main">
        <a href={`/tickets/${t.id}`}>{t.number}</a> <StateBadge state={t.state} label={t.stateLabel} /> {t.urgent ? <UrgentBadge /> : null}
        {fresh.has(t.id) ? <span class="badge badge-info">新</span> : null}
        {t.supervision !== 'none' ? <span class="badge badge-danger">{t.supervision}</span> : null}
        {t.pendingExtensionDays ? <span class="badge badge-warn">延期待审批</span> : null}
        <p class="cell-content">{t.content}</p>
        <span class="muted">
          {t.category} · {channelLabel(t.channel)} · {placeLabel(t.township, t.place) || '—'} · 受理 <When at={t.createdAt} />
        </span>
      </div>
      <div class="inbox-due">
        {t.state === 'dispatched' ? (
          <>
            签收 <Deadline at={t.signDeadline} />
          </>
        ) : (
          <>
            办结 <Deadline at={t.replyDeadline} />
          </>
        )}
      </div>
      <div class="inbox-actions">{actions}</div>
    </li>
  );

  return (
    <div>
      <h1 class="page-title">单位待办 · {user.unit}</h1>
      <div class={notice ? 'alert alert-ok' : 'sr-only'} role="status" aria-live="polite">
        {notice}
      </div>
      <ErrorBox error={error} />
      <Section title={`待签收（${toSign.length}）`}>
        {toSign.length === 0 ? (
          <Empty>没有待签收的工单。</Empty>
        ) : (
          <ul class="inbox">
            {toSign.map((t) =>
              row(
                t,
                <>
                  <button type="button" class="btn btn-primary" onClick={() => void sign(t)} aria-label={`签收 ${t.number}`}>
                    签收
                  </button>
                  <button type="button" class="btn" onClick={() => setDialog({ spec: spec('returned'), ticket: t })} aria-label={`退单 ${t.number}`}>
                    退单
                  </button>
                </>,
              ),
            )}
          </ul>
        )}
      </Section>
      <Section title={`办理中（${handling.length}）`}>
        {handling.length === 0 ? (
          <Empty>没有办理中的工单。</Empty>
        ) : (
          <ul class="inbox">
            {handling.map((t) =>
              row(
                t,
                <>
                  <button type="button" class="btn btn-primary" onClick={() => setDialog({ spec: spec('replied'), ticket: t })} aria-label={`反馈 ${t.number}`}>
                    反馈
                  </button>
                  <button type="button" class="btn" disabled={t.pendingExtensionDays > 0} onClick={() => setDialog({ spec: spec('extension_requested'), ticket: t })} aria-label={`申请延期 ${t.number}`}>
                    延期
                  </button>
                  <button type="button" class="btn" onClick={() => setDialog({ spec: spec('returned'), ticket: t })} aria-label={`退单 ${t.number}`}>
                    退单
                  </button>
                </>,
              ),
            )}
          </ul>
        )}
      </Section>
      {assisting.length ? (
        <Section title={`协办（${assisting.length}）`}>
          <ul class="inbox" data-testid="inbox-assists">
            {assisting.map((t) => {
              const part = partOf(t)!;
              return (
                <li key={t.id} class={`inbox-item${t.urgent ? ' urgent' : ''}${part.overdue ? ' overdue' : ''}`} data-ticket={t.number}>
                  <div class="inbox-main">
                    <a href={`/tickets/${t.id}`}>{t.number}</a> <span class="badge badge-info">协办</span> <span class="badge badge-muted">{part.stateLabel}</span> {t.urgent ? <UrgentBadge /> : null}
                    {part.linkage ? <span class="badge badge-danger">{t.emergencyType ?? ''}联动</span> : null}
                    {part.supervision !== 'none' ? <span class="badge badge-danger">{part.supervision}</span> : null}
                    <p class="cell-content">{t.content}</p>
                    <span class="muted">
                      主办 {t.unit} · {t.category} · {t.township ?? ''} {t.place ?? ''}
                    </span>
                  </div>
                  <div class="inbox-due">
                    {part.state === 'dispatched' ? (
                      <>
                        签收 <Deadline at={part.signDeadline} />
                      </>
                    ) : part.state === 'signed' ? (
                      <>
                        答复 <Deadline at={part.replyDeadline} />
                      </>
                    ) : null}
                  </div>
                  <div class="inbox-actions">
                    {part.state === 'dispatched' ? (
                      <button type="button" class="btn btn-primary" onClick={() => void signPart(t)} aria-label={`签收协办 ${t.number}`}>
                        签收协办
                      </button>
                    ) : part.state === 'signed' ? (
                      <a class="btn" href={`/tickets/${t.id}`} aria-label={`答复协办 ${t.number}`}>
                        答复协办
                      </a>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
        </Section>
      ) : null}
      {dialog ? (
        <ActionDialog
          spec={dialog.spec}
          ticket={dialog.ticket}
          onClose={() => setDialog(null)}
          onDone={(t) => {
            setDialog(null);
            setNotice(`${dialog.spec.label}：${t.number} 已提交`);
            void load();
          }}
        />
      ) : null}
    </div>
  );
}
