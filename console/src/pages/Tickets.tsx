import { useEffect, useRef, useState } from 'preact/hooks';
import { STATE_LABELS, STATES } from '../../../src/domain/tickets/ticket.js';
import { get, qs } from '../api.js';
import { TicketTable, type Selection } from '../components/TicketTable.js';
import { BULK_LABEL, BulkDialog, BulkResult, type BulkKind, type BulkOutcome } from '../components/BulkActions.js';
import { mayAct } from '../../../src/domain/policy.js';
import { Empty, ErrorBox, Loading, Section } from '../components/ui.js';
import { CHANNEL_OPTIONS } from '../format.js';
import { useLive } from '../live.js';
import { navigate, useLocation } from '../router.js';
import { units as loadUnits } from '../units.js';
import type { TicketView, Unit, User } from '../types.js';

const FIELDS = ['q', 'state', 'unit', 'channel', 'from', 'to', 'overdue', 'urgent'] as const;
type Filters = Record<(typeof FIELDS)[number], string>;
/** The list's order lives in the URL too (?sort=-replyDeadline), beside the filters. */
const SORT_PARAM = 'sort';

/** A date picked in the form means that day in Beijing. */
const dayStart = (d: string) => (d ? `${d}T00:00:00+08:00` : undefined);
const dayEnd = (d: string) => (d ? `${d}T23:59:59+08:00` : undefined);

export function TicketsPage({ user }: { user: User }) {
  const { query } = useLocation();
  const applied: Filters = Object.fromEntries(FIELDS.map((k) => [k, query.get(k) ?? ''])) as Filters;
  const [form, setForm] = useState<Filters>(applied);
  const [items, setItems] = useState<TicketView[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [unitList, setUnitList] = useState<Unit[]>([]);
  const key = FIELDS.map((k) => applied[k]).join('|');
  const sort = query.get(SORT_PARAM) ?? '';
  const setSort = (next: string) => navigate(`/tickets${qs({ ...Object.fromEntries(FIELDS.filter((k) => applied[k]).map((k) => [k, applied[k]])), [SORT_PARAM]: next })}`, true);
  // 导出: the same filters, every page, as a file (the citizen's number left out).
  const exportHref = (format: 'csv' | 'xlsx') =>
    `/api/v1/tickets/export${qs({
      q: applied.q || undefined,
      state: applied.state || undefined,
      unit: user.role === 'unit' ? undefined : applied.unit || undefined,
      channel: applied.channel || undefined,
      from: dayStart(applied.from),
      to: dayEnd(applied.to),
      overdue: applied.overdue === '1' || undefined,
      urgent: applied.urgent === '1' || undefined,
      format,
    })}`;
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // 批量派单 / 批量催办 for who may 派单 / 催办 (the policy's roles, not a list of our own).
  const bulkKinds = (['dispatch', 'urge'] as const).filter((k) => mayAct(user, k === 'dispatch' ? 'dispatch' : 'supervise'));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulk, setBulk] = useState<BulkKind | null>(null);
  const [outcome, setOutcome] = useState<BulkOutcome | null>(null);
  const chosen = (items ?? []).filter((t) => selected.has(t.id));
  const selection: Selection | undefined = bulkKinds.length
    ? {
        selected,
        toggle: (id, on) =>
          setSelected((s) => {
            const n = new Set(s);
            if (on) n.add(id);
            else n.delete(id);
            return n;
          }),
        togglePage: (on) => setSelected(on ? new Set((items ?? []).map((t) => t.id)) : new Set()),
      }
    : undefined;
  const numbers = new Map((items ?? []).map((t) => [t.id, t.number] as const));
  // the numbers of the tickets a result names, as they were when it ran (the list reloads after it)
  const outcomeNumbers = useRef<ReadonlyMap<string, string>>(new Map());

  const path = (cursor?: string) =>
    `/api/v1/tickets${qs({
      q: applied.q || undefined,
      state: applied.state || undefined,
      unit: user.role === 'unit' ? undefined : applied.unit || undefined,
      channel: applied.channel || undefined,
      from: dayStart(applied.from),
      to: dayEnd(applied.to),
      overdue: applied.overdue === '1' || undefined,
      urgent: applied.urgent === '1' || undefined,
      limit: 50,
      cursor,
    })}`;

  const load = () =>
    get<{ items: TicketView[]; next: string | null }>(path()).then(
      (r) => {
        setItems(r.items);
        setNext(r.next);
        setError(null);
      },
      setError,
    );

  useEffect(() => {
    setForm(applied);
    setSelected(new Set());
    setItems(null);
    void load();
  }, [key]);
  useEffect(() => {
    if (user.role !== 'unit') loadUnits().then(setUnitList, () => undefined);
  }, []);
  // New and changed tickets show up without a refresh; bursts are folded into one reload.
  useLive('ticket', () => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void load(), 300);
  });
  useLive('resync', () => void load());

  const more = async () => {
    if (!next) return;
    try {
      const r = await get<{ items: TicketView[]; next: string | null }>(path(next));
      setItems((xs) => [...(xs ?? []), ...r.items]);
      setNext(r.next);
    } catch (e) {
      setError(e);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    navigate(`/tickets${qs({ ...form, ...(sort ? { [SORT_PARAM]: sort } : {}) })}`);
  };
  const set = (k: keyof Filters, v: string) => setForm((f) => ({ ...f, [k]: v }));

  return (
    <div>
      <h1 class="page-title">工单</h1>
      <form class="filters" onSubmit={submit} role="search" aria-label="工单筛选">
        <label>
          关键词
          <input type="search" value={form.q} onInput={(e) => set('q', e.currentTarget.value)} placeholder="工单号、内容、电话" />
        </label>
        <label>
          状态
          <select value={form.state} onChange={(e) => set('state', e.currentTarget.value)}>
            <option value="">全部</option>
            <option value="dispatched,handling,returned">未办结</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {STATE_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        {user.role !== 'unit' ? (
          <label>
            承办单位
            <select value={form.unit} onChange={(e) => set('unit', e.currentTarget.value)}>
              <option value="">全部</option>
              {unitList.map((u) => (
                <option key={u.name}>{u.name}</option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          渠道
          <select value={form.channel} onChange={(e) => set('channel', e.currentTarget.value)}>
            <option value="">全部</option>
            {CHANNEL_OPTIONS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          起始日期
          <input type="date" value={form.from} onInput={(e) => set('from', e.currentTarget.value)} />
        </label>
        <label>
          截止日期
          <input type="date" value={form.to} onInput={(e) => set('to', e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={form.overdue === '1'} onChange={(e) => set('overdue', e.currentTarget.checked ? '1' : '')} />
          仅超期
        </label>
        <label class="check">
          <input type="checkbox" checked={form.urgent === '1'} onChange={(e) => set('urgent', e.currentTarget.checked ? '1' : '')} />
          仅即办
        </label>
        <div class="filter-actions">
          <button type="submit" class="btn btn-primary">
            查询
          </button>
          <a class="btn" href="/tickets">
            重置
          </a>
        </div>
      </form>
      <ErrorBox error={error} />
      {outcome ? <BulkResult outcome={outcome} numbers={outcomeNumbers.current} onClose={() => setOutcome(null)} /> : null}
      <Section title={items ? `查询结果（${items.length}${next ? '+' : ''}）` : '查询结果'}>
        {!items ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>没有符合条件的工单。</Empty>
        ) : (
          <>
            <p class="card-actions">
              {selection ? (
                <span class="bulk-bar" role="toolbar" aria-label="批量操作">
                  <button type="button" class="btn btn-small" onClick={() => selection.togglePage(chosen.length < items.length)}>
                    {chosen.length > 0 && chosen.length === items.length ? '取消全选' : '全选本页'}
                  </button>
                  {chosen.length ? (
                    <>
                      <span class="muted">已选 {chosen.length} 件</span>
                      {bulkKinds.map((k) => (
                        <button key={k} type="button" class="btn btn-small btn-primary" onClick={() => setBulk(k)}>
                          {BULK_LABEL[k]}
                        </button>
                      ))}
                    </>
                  ) : null}
                </span>
              ) : null}
              <a class="btn btn-small" href={exportHref('csv')} download>
                导出 CSV
              </a>
              <a class="btn btn-small" href={exportHref('xlsx')} download>
                导出 Excel
              </a>
            </p>
            <TicketTable items={items} caption="工单查询结果" showUnit={user.role !== 'unit'} sort={sort} onSort={setSort} selection={selection} />
            {next ? (
              <button type="button" class="btn more" onClick={more}>
                加载更多
              </button>
            ) : null}
          </>
        )}
      </Section>
      {bulk ? (
        <BulkDialog
          kind={bulk}
          tickets={chosen}
          onClose={() => setBulk(null)}
          onDone={(o) => {
            outcomeNumbers.current = new Map(numbers);
            setBulk(null);
            setOutcome(o);
            setSelected(new Set());
            void load();
          }}
        />
      ) : null}
    </div>
  );
}
