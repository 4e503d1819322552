import { channelLabel, dateTime } from '../format.js';
import type { TicketView } from '../types.js';
import { Deadline, StateBadge, UrgentBadge } from './ui.js';

const DONE = new Set(['replied', 'closed', 'merged', 'reviewing']);

export function TicketTable({ items, showUnit = true, caption }: { items: TicketView[]; showUnit?: boolean; caption: string }) {
  return (
    <table class="grid">
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">工单号</th>
          <th scope="col">状态</th>
          <th scope="col">诉求</th>
          <th scope="col">类别</th>
          {showUnit ? <th scope="col">承办单位</th> : null}
          <th scope="col">渠道</th>
          <th scope="col">受理时间</th>
          <th scope="col">签收时限</th>
          <th scope="col">办结时限</th>
        </tr>
      </thead>
      <tbody>
        {items.map((t) => (
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
            <td>{dateTime(t.createdAt)}</td>
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
