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

export function TicketTable({ items, showUnit = true, caption, sort, onSort }: { items: TicketView[]; showUnit?: boolean; caption: string; sort?: string; onSort?: (sort: string) => void }) {
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
    <table class="grid">
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
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
          <tr key={t.id} class={t.overdue ? 'row-overdue' : t.urgent ? 'row-urgent' : ''} data-ticket={t.number}>
            <td>
              <a href={`/tickets/${t.id}`}>{t.number}</a>
            </td>
            <td>
              <StateBadge state={t.state} label={t.stateLabel} /> {t.urgent ? <UrgentBadge /> : null}
              {t.supervision !== 'none' ? <span class="badge badge-danger">{t.supervision}</span> : null}
            </td>
            <td class="cell-content" title={t.content}>
              {t.content}
            </td>
            <td>{t.category}</td>
            {showUnit ? <td>{t.unit ?? <span class="muted">待派单</span>}</td> : null}
            <td>{channelLabel(t.channel)}</td>
            <td>
              <When at={t.createdAt} />
            </td>
            <td>{t.state === 'dispatched' ? <Deadline at={t.signDeadline} /> : <span class="muted">{t.signDeadline ? '—' : ''}</span>}</td>
            <td>
              <Deadline at={t.replyDeadline} done={DONE.has(t.state)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
