/**
 * 话务台: calls waiting for an operator appear the moment the IVR queues them; F2 takes the
 * first one, the form is filled from the screen pop and the classifier's reasons, and
 * Ctrl+Enter dispatches. WeChat hand-overs (人工) are listed beside the calls.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { CATEGORIES } from '../../../src/domain/tickets/ticket.js';
import { get, post } from '../api.js';
import { has } from '../features.js';
import { Empty, ErrorBox, Section, StateBadge, UrgentBadge } from '../components/ui.js';
import { UrgentChecks } from '../components/UrgentChecks.js';
import { AnswerSuggestions } from '../components/AnswerSuggestions.js';
import { channelLabel, serverNow, waited, evidenceText } from '../format.js';
import { useLive } from '../live.js';
import { units as loadUnits } from '../units.js';
import type { CallStateEvent, Classification, Duplicate, HandoverEvent, ScreenPop, TicketChange, TicketView, Unit, User } from '../types.js';
import { Time } from '../components/Time.js';

interface CallRow {
  pop: ScreenPop;
  state: CallStateEvent['state'];
  at: string;
}

interface Draft {
  callId: string | null;
  channel: string;
  contact: string;
  contactName: string;
  content: string;
  category: string;
  unit: string;
  township: string;
  place: string;
  urgent: boolean;
  noCallback: boolean;
  recordingUrl: string | null;
}

const QUEUE_LABEL: Record<string, string> = { urgent: '即办/紧急', consult: '咨询', complaint: '投诉/求助/建议/举报', general: '人工' };

const CALL_STATE_LABEL: Record<string, string> = { queued: '排队中', answered: '已接通', abandoned: '已放弃', left_queue: '已离队', hungup: '已挂断' };

const blank = (): Draft => ({ callId: null, channel: 'phone', contact: '', contactName: '', content: '', category: '求助', unit: '', township: '', place: '', urgent: false, noCallback: false, recordingUrl: null });

/** Recordings are played only from this server: the CSP keeps other origins out. */
const playable = (url: string) => url.startsWith('/') && !url.startsWith('//');

interface Reference {
  townships: string[];
  /** the voice provider: how an operator's handset reaches a caller differs */
  voice?: 'sim' | 'twilio' | 'freeswitch';
}

/** Where the audio comes from when a call is taken: F2 opens the form, the handset carries the voice. */
const HANDSET_HINT: Record<string, string> = {
  twilio: '通话经坐席电话接入：用登记的手机拨打坐席号码，系统按优先级接入第一个来电并在此弹屏。',
  freeswitch: '通话由交换机排队分配到坐席电话，接起后在此弹屏。',
};

export function DeskPage({ user }: { user: User }) {
  const [calls, setCalls] = useState<Map<string, CallRow>>(new Map());
  const [active, setActive] = useState<ScreenPop | null>(null);
  const [draft, setDraft] = useState<Draft>(blank);
  const [touched, setTouched] = useState<Set<keyof Draft>>(new Set());
  const [cls, setCls] = useState<Classification | null>(null);
  // 并单 candidates of the draft, before it is taken (same caller in 72 h, same place in 24 h).
  const [draftDups, setDraftDups] = useState<Duplicate[]>([]);
  const [unitList, setUnitList] = useState<Unit[]>([]);
  const [ref, setRef] = useState<Reference>({ townships: [] });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<{ ticket: TicketView; duplicates: Duplicate[] } | null>(null);
  const [mine, setMine] = useState<TicketView[]>([]);
  const [handovers, setHandovers] = useState<Map<string, HandoverEvent>>(new Map());
  const [now, setNow] = useState(serverNow());
  const contentRef = useRef<HTMLTextAreaElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    loadUnits().then(setUnitList, setError);
    get<Reference>('/api/v1/console/reference').then(setRef, () => undefined);
    get<{ items: HandoverEvent[] }>('/api/v1/console/handovers').then((r) => setHandovers(new Map(r.items.map((h) => [`${h.channel}:${h.contactId}`, h]))), () => undefined);
    const timer = setInterval(() => setNow(serverNow()), 1000);
    return () => clearInterval(timer);
  }, []);

  useLive('screenpop', (pop: ScreenPop) => {
    setCalls((m) => new Map(m).set(pop.callId, { pop, state: m.get(pop.callId)?.state === 'answered' ? 'answered' : 'queued', at: pop.queuedAt }));
  });
  useLive('call', (e: CallStateEvent) => {
    // Taken on this operator's own phone line (the Twilio agent line): its pop opens here.
    const mine = e.state === 'answered' && e.operator?.id === user.id && active?.callId !== e.callId ? calls.get(e.callId)?.pop : undefined;
    if (mine) return take(mine);
    setCalls((m) => {
      const row = m.get(e.callId);
      if (!row) return m;
      // A call taken at this desk stays listed until the ticket is made.
      if ((e.state === 'answered' || e.state === 'left_queue') && active?.callId !== e.callId && row.state === 'queued') {
        const next = new Map(m);
        next.delete(e.callId);
        return next;
      }
      return new Map(m).set(e.callId, { ...row, state: e.state, at: e.at });
    });
  });
  useLive('handover', (h: HandoverEvent) => {
    setHandovers((m) => {
      const key = `${h.channel}:${h.contactId}`;
      const prev = m.get(key);
      const merged = prev && !h.first ? { ...prev, lines: [...prev.lines, ...h.lines] } : h;
      return new Map(m).set(key, merged);
    });
  });
  useLive('ticket', (c: TicketChange) => {
    if (!mine.some((t) => t.id === c.id)) return;
    get<{ ticket: TicketView }>(`/api/v1/tickets/${c.id}`).then((r) => setMine((xs) => xs.map((t) => (t.id === r.ticket.id ? r.ticket : t))), () => undefined);
  });
  useLive('resync', () => {
    for (const t of mine) get<{ ticket: TicketView }>(`/api/v1/tickets/${t.id}`).then((r) => setMine((xs) => xs.map((x) => (x.id === r.ticket.id ? r.ticket : x))), () => undefined);
  });

  const waiting = useMemo(() => [...calls.values()].filter((c) => c.state === 'queued').sort((a, b) => a.pop.priority - b.pop.priority || a.at.localeCompare(b.at)), [calls]);

  // Classify what the caller said; the operator's own choices are never overwritten.
  useEffect(() => {
    const text = `${draft.content} ${draft.place}`.trim();
    if (text.length < 4) {
      setCls(null);
      return;
    }
    const h = setTimeout(() => {
      post<Classification>('/api/v1/classify', { text }).then((c) => {
        setCls(c);
        setDraft((d) => ({
          ...d,
          category: touched.has('category') ? d.category : c.category,
          unit: touched.has('unit') ? d.unit : c.needsManualDispatch || !c.unit ? d.unit : c.unit,
          township: touched.has('township') ? d.township : (c.township ?? d.township),
          urgent: touched.has('urgent') ? d.urgent : d.urgent || c.urgent,
        }));
      }, () => undefined);
    }, 350);
    return () => clearTimeout(h);
  }, [draft.content, draft.place]);

  useEffect(() => {
    if (draft.content.trim().length < 4) {
      setDraftDups([]);
      return;
    }
    const h = setTimeout(() => {
      post<{ duplicates: Duplicate[] }>('/api/v1/tickets/duplicates', { content: draft.content, contact: draft.contact || null, place: draft.place || null, unit: draft.unit || null }).then(
        (r) => setDraftDups(r.duplicates),
        () => setDraftDups([]),
      );
    }, 400);
    return () => clearTimeout(h);
  }, [draft.content, draft.contact, draft.place, draft.unit]);

  const take = (pop: ScreenPop) => {
    // With the simulated provider nobody picks up a handset: taking the call bridges it.
    if (calls.get(pop.callId)?.state === 'queued')
      void has('simAnswer').then((sim) => (sim ? post(`/api/v1/sim/calls/${encodeURIComponent(pop.callId)}/answer`) : null)).catch(() => undefined);
    setActive(pop);
    setResult(null);
    setError(null);
    setTouched(new Set());
    setCls(null);
    setDraft({
      ...blank(),
      callId: pop.callId,
      contact: pop.draft.contact || pop.caller,
      content: pop.draft.content,
      category: pop.draft.category,
      unit: pop.draft.unit ?? '',
      township: pop.draft.township ?? '',
      place: pop.draft.place ?? '',
      urgent: pop.draft.urgent,
      recordingUrl: pop.recordingUrl ?? null,
    });
    setCalls((m) => {
      const row = m.get(pop.callId);
      return row ? new Map(m).set(pop.callId, { ...row, state: 'answered' }) : m;
    });
    setTimeout(() => contentRef.current?.focus(), 0);
  };

  const newManual = () => {
    setActive(null);
    setResult(null);
    setError(null);
    setTouched(new Set());
    setCls(null);
    setDraft(blank());
    setTimeout(() => contentRef.current?.focus(), 0);
  };

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    setTouched((s) => new Set(s).add(k));
  };

  const dispatch = async (e?: Event) => {
    e?.preventDefault();
    if (busy) return;
    if (!draft.content.trim()) {
      setError(new Error('请填写诉求内容'));
      contentRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await post<{ ticket: TicketView; created: boolean; duplicates: Duplicate[] }>('/api/v1/tickets', {
        channel: draft.channel,
        content: draft.content.trim(),
        contact: draft.contact.trim() || null,
        contactName: draft.contactName.trim() || null,
        category: draft.category,
        urgent: draft.urgent,
        unit: draft.unit || null,
        township: draft.township || null,
        place: draft.place.trim() || null,
        noCallback: draft.noCallback,
        ...(draft.recordingUrl ? { attachments: [{ kind: 'recording', url: draft.recordingUrl, note: `通话 ${draft.callId}` }] } : {}),
        ...(draft.callId ? { externalRef: draft.callId, idempotencyKey: `call:${draft.callId}` } : {}),
      });
      setResult({ ticket: r.ticket, duplicates: r.duplicates });
      setMine((xs) => [r.ticket, ...xs.filter((t) => t.id !== r.ticket.id)].slice(0, 20));
      // A 咨询 filed without an answer: when the knowledge base had no confident entry it is a miss (知识库待补充).
      if (r.created && draft.category === '咨询') void post('/api/v1/answers/suggest', { text: draft.content.trim(), channel: draft.channel, recordMiss: true }).catch(() => undefined);
      if (draft.callId) {
        const id = draft.callId;
        setCalls((m) => {
          const next = new Map(m);
          next.delete(id);
          return next;
        });
      }
      setActive(null);
      setDraft(blank());
      setTouched(new Set());
      setCls(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const merge = async (into: Duplicate) => {
    if (!result) return;
    try {
      const r = await post<{ ticket: TicketView }>(`/api/v1/tickets/${result.ticket.id}/merge`, { into: into.id });
      setMine((xs) => xs.map((t) => (t.id === r.ticket.id ? r.ticket : t)));
      setResult({ ticket: r.ticket, duplicates: [] });
    } catch (err) {
      setError(err);
    }
  };

  // F2 takes the next call, Ctrl+Enter dispatches, Alt+N starts a ticket without a call.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F2') {
        e.preventDefault();
        const next = waiting[0];
        if (next) take(next.pop);
      } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && formRef.current?.contains(document.activeElement)) {
        e.preventDefault();
        void dispatch();
      } else if (e.altKey && (e.key === 'n' || e.key === 'N')) {
        e.preventDefault();
        newManual();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const handoverList = [...handovers.values()].sort((a, b) => b.since.localeCompare(a.since));

  return (
    <div class="desk">
      <div class="desk-side">
        <Section title={`等待接听（${waiting.length}）`} class="calls">
          {waiting.length === 0 ? (
            <Empty>当前没有排队来电。</Empty>
          ) : (
            <ol class="call-list" aria-live="polite">
              {waiting.map((c, i) => (
                <li key={c.pop.callId} class={c.pop.draft.urgent ? 'urgent' : ''}>
                  <button type="button" class="call" onClick={() => take(c.pop)} aria-keyshortcuts={i === 0 ? 'F2' : undefined}>
                    <span class="call-caller" data-testid="waiting-caller">{c.pop.caller}</span>
                    {c.pop.draft.urgent ? <UrgentBadge /> : null}
                    {c.pop.repeatCallerToday ? <span class="badge badge-warn">今日第 {Math.max(c.pop.callsToday, 2)} 次来电</span> : null}
                    <span class="call-path">{c.pop.ivrPath || '未经语音导航'}</span>
                    <span class="muted">已等待 {waited(c.at, now)}</span>
                  </button>
                </li>
              ))}
            </ol>
          )}
          <p class="hint">
            <kbd>F2</kbd> 接听第一个来电 · <kbd>Ctrl</kbd>+<kbd>Enter</kbd> 派单 · <kbd>Alt</kbd>+<kbd>N</kbd> 新建工单
          </p>
          {ref.voice && HANDSET_HINT[ref.voice] ? (
            <p class="hint" data-testid="handset-hint">
              {HANDSET_HINT[ref.voice]}
            </p>
          ) : null}
        </Section>
        <Section title={`微信转人工（${handoverList.length}）`}>
          {handoverList.length === 0 ? (
            <Empty>没有等待人工的微信群众。</Empty>
          ) : (
            <ul class="handovers">
              {handoverList.map((h) => (
                <li key={`${h.channel}:${h.contactId}`}>
                  <div>
                    <strong>{channelLabel(h.channel)}</strong> <span class="muted"><Time iso={h.since} />开始</span>
                  </div>
                  <ul class="transcript">
                    {h.lines.slice(-4).map((l, i) => (
                      <li key={i} class={l.from === 'citizen' ? 'from-citizen' : 'from-bot'}>
                        {l.from === 'citizen' ? '群众' : '机器人'}：{l.text}
                      </li>
                    ))}
                  </ul>
                  <button
                    type="button"
                    class="btn btn-small"
                    onClick={() => {
                      setActive(null);
                      setResult(null);
                      setTouched(new Set());
                      setDraft({ ...blank(), channel: h.channel, content: h.lines.filter((l) => l.from === 'citizen').map((l) => l.text).join(' ') });
                      setTimeout(() => contentRef.current?.focus(), 0);
                    }}
                  >
                    据此建单
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <UrgentChecks now={now} />
      </div>

      <div class="desk-main">
        {active ? <ScreenPopPanel pop={active} state={calls.get(active.callId)?.state ?? 'answered'} /> : null}
        <Section title={active ? '受理来电' : '新建工单'} actions={<button type="button" class="btn btn-small" onClick={newManual}>清空表单</button>}>
          <form ref={formRef} class="ticket-form" onSubmit={dispatch} aria-label="工单受理表单">
            <label class="span-2">
              诉求内容
              <textarea ref={contentRef} name="content" rows={4} required value={draft.content} onInput={(e) => set('content', e.currentTarget.value)} placeholder="记录群众反映的问题、地点、时间" />
            </label>
            <label>
              来电号码
              <input name="contact" value={draft.contact} onInput={(e) => set('contact', e.currentTarget.value)} inputMode="tel" />
            </label>
            <label>
              联系人
              <input name="contactName" value={draft.contactName} onInput={(e) => set('contactName', e.currentTarget.value)} />
            </label>
            <label>
              诉求类别
              <select name="category" value={draft.category} onChange={(e) => set('category', e.currentTarget.value)}>
                {CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
            <label>
              承办单位
              <select name="unit" value={draft.unit} onChange={(e) => set('unit', e.currentTarget.value)}>
                <option value="">（暂不派单，待人工派单）</option>
                {unitList.map((u) => (
                  <option key={u.name} value={u.name}>
                    {u.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              乡镇（街道）
              <input name="township" list="townships" value={draft.township} onInput={(e) => set('township', e.currentTarget.value)} />
              <datalist id="townships">
                {ref.townships.map((t) => (
                  <option key={t} value={t} />
                ))}
              </datalist>
            </label>
            <label>
              地点
              <input name="place" value={draft.place} onInput={(e) => set('place', e.currentTarget.value)} />
            </label>
            <label class="check">
              <input type="checkbox" name="urgent" checked={draft.urgent} onChange={(e) => set('urgent', e.currentTarget.checked)} />
              即办（立即呼叫单位值班人员）
            </label>
            <label class="check">
              <input type="checkbox" name="noCallback" checked={draft.noCallback} onChange={(e) => set('noCallback', e.currentTarget.checked)} />
              群众不愿接受回访
            </label>
            <Reasons cls={cls} pop={active} onPickUnit={(u) => set('unit', u)} />
            {draftDups.length ? (
              <div class="alert alert-warn span-2" role="status" data-testid="draft-duplicates">
                可能与已有工单重复：
                {draftDups.map((d, i) => (
                  <span key={d.id}>
                    {i ? '、' : ''}
                    <a href={`/tickets/${d.id}`} target="_blank" rel="noopener">
                      {d.number}
                    </a>
                    （{d.reason === 'same_caller' ? '同一来电人' : '同一地点'}）
                  </span>
                ))}
                。请先核实；派单后可并单。
              </div>
            ) : null}
            <ErrorBox error={error} />
            <div class="form-actions span-2">
              <button type="submit" class="btn btn-primary" disabled={busy} aria-keyshortcuts="Control+Enter">
                {busy ? '正在提交…' : draft.unit ? `派单至 ${draft.unit}` : '受理（待派单）'}
              </button>
              <span class="hint">
                <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
              </span>
            </div>
          </form>
        </Section>
        <AnswerSuggestions
          draft={draft}
          onAnswered={(ticket) => {
            // 直接答复: the ticket is made and answered; the form is done as after a dispatch.
            setResult({ ticket, duplicates: [] });
            setMine((xs) => [ticket, ...xs.filter((t) => t.id !== ticket.id)].slice(0, 20));
            const id = draft.callId;
            if (id) setCalls((m) => { const next = new Map(m); next.delete(id); return next; });
            setActive(null);
            setDraft(blank());
            setTouched(new Set());
            setCls(null);
          }}
        />
        {result ? <DispatchResult result={result} onMerge={merge} /> : null}
        <Section title="本班受理">
          {mine.length === 0 ? (
            <Empty>本班次还没有受理工单。</Empty>
          ) : (
            <ul class="mine" aria-live="polite">
              {mine.map((t) => (
                <li key={t.id} data-ticket={t.number}>
                  <a href={`/tickets/${t.id}`}>{t.number}</a> <StateBadge state={t.state} label={t.stateLabel} /> {t.urgent ? <UrgentBadge /> : null}
                  <span class="muted"> {t.unit ?? '待派单'}</span>
                  <span class="cell-content"> {t.content}</span>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
    </div>
  );
}

function ScreenPopPanel({ pop, state }: { pop: ScreenPop; state: string }) {
  return (
    <Section title="来电信息" class="screenpop">
      <div class="pop" data-testid="screen-pop">
        <dl class="facts">
          <dt>来电号码</dt>
          <dd class="caller" data-testid="pop-caller">
            {pop.caller} {pop.repeatCallerToday ? <span class="badge badge-warn">今日重复来电（{pop.callsToday} 次）</span> : null}
          </dd>
          <dt>通话状态</dt>
          <dd>{CALL_STATE_LABEL[state] ?? state}</dd>
          <dt>语音导航</dt>
          <dd data-testid="pop-ivr">
            {pop.path.length ? (
              <ol class="ivr-path">
                {pop.path.map((p, i) => (
                  <li key={i}>
                    {p.menu ?? p.step} <kbd>{p.digits}</kbd> {p.label ?? ''}
                  </li>
                ))}
              </ol>
            ) : (
              pop.ivrPath || '—'
            )}
          </dd>
          <dt>排队</dt>
          <dd>
            {QUEUE_LABEL[pop.queue] ?? pop.queue}队列（优先级 {pop.priority}） · <Time iso={pop.queuedAt} />进入
          </dd>
          {pop.speech ? (
            <>
              <dt>来电人说</dt>
              <dd>{pop.speech}</dd>
            </>
          ) : null}
          <dt>录音</dt>
          <dd>
            {pop.recordingUrl ? (
              playable(pop.recordingUrl) ? (
                <audio controls preload="none" src={pop.recordingUrl} aria-label="来电录音" />
              ) : (
                <a href={pop.recordingUrl} target="_blank" rel="noopener noreferrer">
                  打开录音
                </a>
              )
            ) : (
              <span class="muted">无录音</span>
            )}
          </dd>
        </dl>
        <div class="recent">
          <h3>该号码近期工单</h3>
          {pop.recentTickets.length === 0 ? (
            <p class="muted">无历史工单</p>
          ) : (
            <ul>
              {pop.recentTickets.map((t) => (
                <li key={t.id}>
                  <a href={`/tickets/${t.id}`} target="_blank" rel="noopener">
                    {t.number}
                  </a>{' '}
                  <StateBadge state={t.state} label={t.stateLabel} /> {t.urgent ? <UrgentBadge /> : null} <span class="muted"><Time iso={t.createdAt} /></span>
                  <div class="cell-content">{t.content}</div>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Section>
  );
}

function Reasons({ cls, pop, onPickUnit }: { cls: Classification | null; pop: ScreenPop | null; onPickUnit: (u: string) => void }) {
  const urgentReasons = [...new Set([...(pop?.draft.urgentReasons ?? []), ...(cls?.urgentReasons ?? [])])];
  if (!cls && !urgentReasons.length) return <div class="reasons span-2 muted">输入诉求内容后，系统按职责清单给出建议类别、承办单位和即办判断。</div>;
  return (
    <div class="reasons span-2" aria-live="polite" data-testid="reasons">
      <h3>智能建议及依据</h3>
      {cls ? (
        <p>
          建议：{cls.category} · {cls.needsManualDispatch || !cls.unit ? '需人工判断承办单位' : cls.unit}
          {cls.township ? ` · ${cls.township}` : ''} <span class="muted">（置信度 {(cls.confidence * 100).toFixed(0)}%）</span>
        </p>
      ) : null}
      {cls?.evidence.length ? <p>依据：{cls.evidence.map(evidenceText).join('；')}</p> : null}
      {urgentReasons.length ? (
        <p class="urgent-reason">
          <UrgentBadge /> {urgentReasons.join('；')}
        </p>
      ) : null}
      {cls && cls.suggestions.length > 1 ? (
        <p>
          其他可能：
          {cls.suggestions.slice(0, 4).map((s) => (
            <button key={s.unit} type="button" class="chip" onClick={() => onPickUnit(s.unit)} title={s.evidence.map(evidenceText).join('；')}>
              {s.unit}
            </button>
          ))}
        </p>
      ) : null}
    </div>
  );
}

function DispatchResult({ result, onMerge }: { result: { ticket: TicketView; duplicates: Duplicate[] }; onMerge: (d: Duplicate) => void }) {
  const t = result.ticket;
  return (
    <div class="alert alert-ok" role="status" data-testid="dispatch-result">
      <p>
        已{t.state === 'answered' ? '直接答复' : t.unit ? `派单至 ${t.unit}` : '受理'}：<a href={`/tickets/${t.id}`}>{t.number}</a> <StateBadge state={t.state} label={t.stateLabel} />
        {t.urgent ? '　即办件：呼叫进度见「值班与呼叫」。' : ''}
      </p>
      {result.duplicates.length ? (
        <div class="dups">
          <strong>疑似重复工单：</strong>
          <ul>
            {result.duplicates.map((d) => (
              <li key={d.id}>
                <a href={`/tickets/${d.id}`} target="_blank" rel="noopener">
                  {d.number}
                </a>{' '}
                <span class="muted">{d.reason === 'same_caller' ? '同一来电人' : '同一地点同类事项'}（相似度 {(d.score * 100).toFixed(0)}%）</span>{' '}
                <button type="button" class="btn btn-small" onClick={() => onMerge(d)}>
                  并单到 {d.number}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

