/**
 * 待核实即办 on the desk: possible dangers the classifier would not page at once (risk wording, a
 * broad safety-net rule, the model alone), each with the rule and the cue that made it 待核实.
 * The unit's duty officer is paged when the countdown ends unless an operator confirms it first
 * (paged now) or clears it (nobody is woken). Reads GET /api/v1/urgent-checks.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { channelLabel } from '../format.js';
import type { TicketView } from '../types.js';
import { Empty, ErrorBox, Section } from './ui.js';
import { Time } from './Time.js';

interface Check {
  ticket: TicketView;
  until: string;
  /** e.g. 火情:风险措辞(怕), 模型判断疑似即办(请核实) */
  reasons?: string[];
}

/** Often enough for a list whose items wait minutes; the server decides when each one pages. */
const POLL_MS = 15_000;

export function UrgentChecks({ now }: { now: number }) {
  const [items, setItems] = useState<Check[]>([]);
  const [error, setError] = useState<unknown>(null);
  const load = () => get<{ items: Check[] }>('/api/v1/urgent-checks').then((r) => setItems(r.items), setError);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const decide = async (c: Check, urgent: boolean) => {
    try {
      await post(`/api/v1/tickets/${c.ticket.id}/urgency`, { urgent });
      setItems((xs) => xs.filter((x) => x.ticket.id !== c.ticket.id));
    } catch (e) {
      setError(e);
    }
  };

  const open = items.filter((c) => Date.parse(c.until) > now);
  return (
    <Section title={`待核实即办（${open.length}）`}>
      <ErrorBox error={error} />
      {open.length === 0 ? (
        <Empty>没有待核实的即办件。</Empty>
      ) : (
        <ul class="urgent-checks" data-testid="urgent-checks">
          {open.map((c) => {
            const left = Math.max(0, Math.ceil((Date.parse(c.until) - now) / 1000));
            return (
              <li key={c.ticket.id} data-testid="urgent-check">
                <div>
                  <a href={`/tickets/${c.ticket.id}`}>{c.ticket.number}</a> <span class="muted">{channelLabel(c.ticket.channel)} · <Time iso={c.ticket.createdAt} /></span>
                </div>
                <div class="clamp">{c.ticket.content}</div>
                {c.reasons && c.reasons.length > 0 ? (
                  <div class="muted" data-testid="urgent-check-reasons">
                    待核实原因：{c.reasons.join('；')}
                  </div>
                ) : null}
                <div class="muted">
                  {c.ticket.unit ?? '待派单'} · <strong>{Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')}</strong> 后自动呼叫值班人员
                </div>
                <div class="row-actions">
                  <button type="button" class="btn btn-small btn-primary" onClick={() => void decide(c, true)} aria-label={`确认即办 ${c.ticket.number}`}>
                    确认即办
                  </button>
                  <button type="button" class="btn btn-small" onClick={() => void decide(c, false)} aria-label={`不是即办 ${c.ticket.number}`}>
                    不是即办
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

