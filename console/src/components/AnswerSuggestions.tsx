/**
 * 一次性答复 at the desk (issue 24): while the operator types (and from the caller's recognised words
 * the screen pop put into the content), the top 5 knowledge-base entries; Alt+1…Alt+5 reads the
 * chosen answer into the ticket and records it as 直接答复 (the ticket is created and answered in
 * one step), texting it to the caller when 「短信发送答复」 is ticked.
 */
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api.js';
import { ErrorBox, Section } from './ui.js';
import type { TicketView } from '../types.js';

export interface AnswerHit {
  entryId: string;
  title: string;
  answer: string;
  unit: string | null;
  confidence: number;
  readable: boolean;
  matched: string[];
}

interface Suggestions {
  hits: AnswerHit[];
  confident: boolean;
  confidentAt: number;
  enabled: boolean;
}

export interface AnswerDraft {
  callId: string | null;
  channel: string;
  contact: string;
  contactName: string;
  content: string;
  place: string;
}

const short = (s: string, n = 90) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function AnswerSuggestions({ draft, onAnswered }: { draft: AnswerDraft; onAnswered: (ticket: TicketView) => void }) {
  const [s, setS] = useState<Suggestions | null>(null);
  const [sms, setSms] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const text = draft.content.trim();

  // Debounced: one search when the operator pauses, not one per key.
  useEffect(() => {
    if (text.length < 4) {
      setS(null);
      return;
    }
    const h = setTimeout(() => {
      post<Suggestions>('/api/v1/answers/suggest', { text, channel: draft.channel }).then(setS, () => undefined);
    }, 300);
    return () => clearTimeout(h);
  }, [text, draft.channel]);

  useEffect(() => {
    setSms(false);
    setError(null);
  }, [draft.callId]);

  const answer = async (hit: AnswerHit) => {
    if (busy || !text) return;
    setBusy(true);
    setError(null);
    try {
      const r = await post<{ ticket: TicketView; smsSent: boolean | null }>('/api/v1/answers', {
        channel: draft.channel,
        content: text,
        contact: draft.contact.trim() || null,
        contactName: draft.contactName.trim() || null,
        place: draft.place.trim() || null,
        entryId: hit.entryId,
        title: hit.title,
        answer: hit.answer,
        sms,
        ...(draft.callId ? { externalRef: draft.callId, idempotencyKey: `call:${draft.callId}` } : {}),
      });
      setS(null);
      setSms(false);
      onAnswered(r.ticket);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const hits = s?.hits ?? [];
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const n = /^Digit([1-5])$/.exec(e.code)?.[1] ?? (/^[1-5]$/.test(e.key) ? e.key : null);
      if (!n) return;
      const hit = hits[Number(n) - 1];
      if (!hit) return;
      e.preventDefault();
      void answer(hit);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  if (!s || !s.enabled) return null;
  return (
    <Section title="知识库答复（一次性答复）" class="answers">
      {hits.length === 0 ? (
        <p class="muted" data-testid="answers-none">
          知识库中没有找到相关条目。
        </p>
      ) : (
        <ol class="answer-list" aria-live="polite">
          {hits.map((h, i) => (
            <li key={h.entryId} data-entry={h.entryId} class={h.confidence >= s.confidentAt ? 'confident' : ''}>
              <div>
                <kbd>Alt</kbd>+<kbd>{i + 1}</kbd> <strong>{h.title}</strong> <span class="muted">{h.unit ?? '热线办'}</span>{' '}
                <span class="badge" title="匹配置信度">{Math.round(h.confidence * 100)}%</span>
              </div>
              <div class="answer-text">{short(h.answer)}</div>
              <button type="button" class="btn btn-small" disabled={busy} onClick={() => void answer(h)} aria-keyshortcuts={`Alt+${i + 1}`}>
                读出并记录为直接答复
              </button>
            </li>
          ))}
        </ol>
      )}
      <label class="check">
        <input type="checkbox" name="answerSms" checked={sms} onChange={(e) => setSms(e.currentTarget.checked)} />
        短信发送答复
      </label>
      <ErrorBox error={error} />
      <p class="hint">
        <kbd>Alt</kbd>+<kbd>1</kbd>…<kbd>Alt</kbd>+<kbd>5</kbd> 读出所选答复并记录为直接答复（不派单）
      </p>
    </Section>
  );
}
