/** The columns of 工单导出 (GET /api/v1/tickets/export): Chinese headers, Beijing times, no citizen's number. */
import type { Column } from '../supervision/rates-report.js';
import { STATE_LABELS, type Ticket } from '../../domain/tickets/ticket.js';

const CHANNELS: Record<string, string> = { phone: '电话', wechat: '微信', 'wechat-mp': '公众号', sms: '短信', web: '网页', open311: 'Open311', grid: '网格员' };
const beijing = (d: Date | null) => (d ? new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ') : '');

export const TICKET_EXPORT_COLUMNS: Column<Ticket>[] = [
  { header: '工单编号', kind: 'text', value: (t) => t.number },
  { header: '受理时间', kind: 'text', value: (t) => beijing(t.createdAt) },
  { header: '渠道', kind: 'text', value: (t) => CHANNELS[t.channel] ?? (t.channel.startsWith('platform:') ? t.channel.slice(9) : t.channel) },
  { header: '类别', kind: 'text', value: (t) => t.category },
  { header: '即办', kind: 'text', value: (t) => (t.urgent ? '是' : '否') },
  { header: '承办单位', kind: 'text', value: (t) => t.unit ?? '待派单' },
  { header: '乡镇', kind: 'text', value: (t) => t.township ?? '' },
  { header: '地点', kind: 'text', value: (t) => t.place ?? '' },
  { header: '状态', kind: 'text', value: (t) => STATE_LABELS[t.state] ?? t.state },
  { header: '签收时限', kind: 'text', value: (t) => beijing(t.signDeadline) },
  { header: '办结时限', kind: 'text', value: (t) => beijing(t.replyDeadline) },
  { header: '督办', kind: 'text', value: (t) => (t.supervision === 'none' ? '' : t.supervision) },
  { header: '重办次数', kind: 'int', value: (t) => t.reopenCount },
  { header: '回访结果', kind: 'text', value: (t) => t.followUp?.satisfaction ?? '' },
  { header: '诉求内容', kind: 'text', value: (t) => t.content },
];
