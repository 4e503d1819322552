import { channelLabel } from '../format.js';
import type { TicketView } from '../types.js';
import { Deadline, StateBadge, UrgentBadge, When } from './ui.js';

const DONE = new Set(['replied', 'closed', 'merged', 'reviewing']);

/** Columns a list can be sorted by; `-key` is descending. */
export const SORT_KEYS = ['number', 'state', 'category', 'unit', 'channel', 'createdAt', 'signDeadline', 'replyDeadline'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const sortValue = (t: TicketView, k: SortKey): string => {
  const v = (t as unknown as Record<string, unknown>)[k];
  return v === null || v === undefined ? '\uffff' : String(v);
};

/** `items` ordered by `sort` (`createdAt`, `-replyDeadline` …); empty values last either way. */
export function sortTickets(items: TicketView[], sort: string): TicketView[] {
  const desc = sort.startsWith('-');
  const key = (desc ? sort.slice(1) : sort) as SortKey;
  if (!SORT_KEYS.includes(key)) return items;
  return [...items].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x === '\uffff' || y === '\uffff') return x === y ? 0 : x === '\uffff' ? 1 : -1;
    return (desc ? -1 : 1) * x.localeCompare(y, 'zh');
  });
}

/** A checkbox per row and 「全选本页」 in the head (the list's 批量派单/批量催办). */
export interface Selection {
  selected: ReadonlySet<string>;
  toggle: (id: string, on: boolean) => void;
  togglePage: (on: boolean) => void;
}

export function TicketTable({ items, showUnit = true, caption, sort, onSort, selection }: { items: TicketView[]; showUnit?: boolean; caption: string; sort?: string; onSort?: (sort: string) => void; selection?: Selection }) {
  const onPage = selection ? items.filter((t) => selection.selected.has(t.id)).length : 0;
  const head = (key: SortKey, label: string) => {
    if (!onSort) return <th scope="col">{label}</th>;
    const active = sort === key || sort === `-${key}`;
    const desc = sort === `-${key}`;
    return (
      <th scope="col" aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
        <button type="button" class="th-sort" onClick={() => onSort(active && !desc ? `-${key}` : key)} title={`按${label}排序`}>
          {label}
          <span aria-hidden="true">{active ? (desc ? ' ▼' : ' ▲') : ' ↕'}</span>
        </button>
      </th>
    );
  };
  return (
    <table class={`grid ticket-table${selection ? ' selectable' : ''}`}>
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          {selection ? (
            <th scope="col" class="col-check">
              <input
                type="checkbox"
                aria-label="全选本页"
                title="全选本页"
                checked={onPage > 0 && onPage === items.length}
                ref={(el) => {
                  if (el) el.indeterminate = onPage > 0 && onPage < items.length;
                }}
                onChange={(e) => selection.togglePage(e.currentTarget.checked)}
              />
            </th>
          ) : null}
          {head('number', '工单号')}
          {head('state', '状态')}
          <th scope="col">诉求</th>
          {head('category', '类别')}
          {showUnit ? head('unit', '承办单位') : null}
          {head('channel', '渠道')}
          {head('createdAt', '受理时间')}
          {head('signDeadline', '签收时限')}
          {head('replyDeadline', '办结时限')}
        </tr>
      </thead>
      <tbody>
        {(sort ? sortTickets(items, sort) : items).map((t) => (
          <tr key={t.id} class={`${t.overdue ? 'row-overdue' : t.urgent ? 'row-urgent' : ''}${selection?.selected.has(t.id) ? ' row-selected' : ''}`} data-ticket={t.number}>
            {selection ? (
              <td class="col-check">
                <input type="checkbox" aria-label={`选择 ${t.number}`} checked={selection.selected.has(t.id)} onChange={(e) => selection.toggle(t.id, e.currentTarget.checked)} />
              </td>
            ) : null}
            <td>
              <a href={`/tickets/${t.id}`}>{t.number}</a>
            </td>
            <td>
              <StateBadge state={t.state} label={t.stateLabel} /> {t.urgent ? <UrgentBadge /> : null}
              {t.supervision !== 'none' ? <span class="badge badge-danger">{t.supervision}</span> : null}
            </td>
            <td class="cell-content" title={t.content} data-label="诉求">
              {t.content}
            </td>
            <td data-label="类别">{t.category}</td>
            {showUnit ? <td data-label="承办单位">{t.unit ?? <span class="muted">待派单</span>}</td> : null}
            <td data-label="渠道">{channelLabel(t.channel)}</td>
            <td data-label="受理">
              <When at={t.createdAt} />
            </td>
            <td data-label="签收" class={t.state === 'dispatched' ? '' : 'cell-idle'}>
              {t.state === 'dispatched' ? <Deadline at={t.signDeadline} /> : <span class="muted">{t.signDeadline ? '—' : ''}</span>}
            </td>
            <td data-label="办结">
              <Deadline at={t.replyDeadline} done={DONE.has(t.state)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
