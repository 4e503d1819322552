/**
 * 问责线索 for the hotline office: the flags of detect.ts over a period, with the 职责清单 assignment
 * from the classifier the app has loaded (config/duty-list.yaml), and a case file per unit and
 * period for the 市纪委监委 (summary, flags, tickets, events, 回访 answers).
 *
 * Personal data: the case file leaves the hotline office, so callers' numbers are masked
 * (138****1234), their names cut to the surname and phone/ID numbers in texts masked, unless the
 * supervisor asks for full contacts — every case file is audited with who made it and how.
 */
import type ExcelJS from 'exceljs';
import type { Clock } from '../../domain/clock.js';
import { shanghaiParts, SHANGHAI_OFFSET_MS } from '../../domain/clock.js';
import { invalid } from '../../domain/errors.js';
import type { Period } from '../../domain/kpi/index.js';
import { maskContact } from '../../domain/phone.js';
import { maskPersonalText } from '../../domain/privacy.js';
import { EVENT_LABELS, type TicketEvent } from '../../domain/tickets/events.js';
import { applyEvent } from '../../domain/tickets/lifecycle.js';
import { STATE_LABELS, type Ticket } from '../../domain/tickets/ticket.js';
import type { AuditLog } from '../ports/misc.js';
import type { ClassifierPort } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import { channelLabel } from '../supervision/rates-report.js';
import { DETECT_DEFAULTS, detectFlags, evidenceEvent, evidenceFollowUp, FLAG_LABELS, needsAssignment, type DutyAssignment, type EvidenceEvent, type EvidenceFollowUp, type Flag, type FlagKind } from '../../domain/accountability/detect.js';

export interface AccountabilityDeps {
  store: Pick<TicketStore, 'eventsForPeriod'>;
  classifier: ClassifierPort;
  audit: AuditLog;
  clock: Clock;
}

export interface CaseTicket {
  id: string;
  number: string;
  createdAt: string;
  channel: string;
  category: string;
  contact: string | null;
  contactName: string | null;
  content: string;
  place: string | null;
  unit: string | null;
  state: string;
  lastReply: string | null;
}

export interface CaseFile {
  unit: string;
  period: { from: string; to: string };
  generatedAt: string;
  generatedBy: string;
  contacts: 'masked' | 'full';
  counts: Record<FlagKind, number>;
  flags: Flag[];
  tickets: CaseTicket[];
  events: EvidenceEvent[];
  followUps: EvidenceFollowUp[];
}

const excel = async () => (await import('exceljs')).default;

export class AccountabilityService {
  constructor(private readonly d: AccountabilityDeps) {}

  /** Events up to the later of the period's end and 30 days after it (repeat calls after a close), never past now. */
  private async load(period: Period): Promise<TicketEvent[][]> {
    const now = this.d.clock.now().getTime() + 1;
    const until = new Date(Math.min(now, period.to.getTime() + DETECT_DEFAULTS.repeatDays * 86_400_000));
    const end = until.getTime() > period.to.getTime() ? until : period.to;
    return [...(await this.d.store.eventsForPeriod(period.from, end)).values()];
  }

  private async assignments(histories: TicketEvent[][]): Promise<Map<string, DutyAssignment>> {
    const need = needsAssignment(histories);
    const out = new Map<string, DutyAssignment>();
    for (const events of histories) {
      const c = events.find((e) => e.data.type === 'created');
      if (!c || !need.has(c.ticketId) || c.data.type !== 'created') continue;
      const content = events.reduce((s, e) => (e.data.type === 'updated' && e.data.changes.content ? e.data.changes.content : s), c.data.content);
      const r = await this.d.classifier.classify(content);
      const top = r.suggestions[0];
      out.set(c.ticketId, { unit: r.unit, evidence: top && top.unit === r.unit ? top.evidence : r.evidence });
    }
    return out;
  }

  async flags(period: Period, unit?: string): Promise<{ flags: Flag[]; histories: TicketEvent[][] }> {
    if (!(period.from.getTime() < period.to.getTime())) throw invalid('bad_period', '统计区间的开始须早于结束 / period must start before it ends');
    const histories = await this.load(period);
    const assigned = await this.assignments(histories);
    return { flags: detectFlags(histories, { period, assigned, unit }), histories };
  }

  /** The case file of one unit and period; audited (who, which unit and period, masked or not). */
  async caseFile(period: Period, unit: string, by: { id: string; name: string }, contacts: 'masked' | 'full' = 'masked'): Promise<CaseFile> {
    const { flags, histories } = await this.flags(period, unit);
    const ids = new Set(flags.flatMap((f) => f.ticketIds));
    const tickets: CaseTicket[] = [];
    const events: EvidenceEvent[] = [];
    const followUps: EvidenceFollowUp[] = [];
    const mask = contacts === 'masked';
    const text = (s: string, t: Ticket) => (mask ? maskPersonalText(s, [t.contactName]) : s);
    for (const h of histories) {
      const sorted = [...h].sort((a, b) => a.seq - b.seq);
      if (!sorted[0] || !ids.has(sorted[0].ticketId)) continue;
      let t: Ticket | null = null;
      const befores: (Ticket | null)[] = [];
      for (const e of sorted) {
        befores.push(t);
        t = applyEvent(t, e);
      }
      const ticket = t!;
      tickets.push({
        id: ticket.id,
        number: ticket.number,
        createdAt: ticket.createdAt.toISOString(),
        channel: channelLabel(ticket.channel),
        category: ticket.category,
        contact: ticket.contact ? (mask ? maskContact(ticket.contact) : ticket.contact) : null,
        contactName: ticket.contactName ? (mask ? `${[...ticket.contactName][0]}**` : ticket.contactName) : null,
        content: text(ticket.content, ticket),
        place: ticket.place,
        unit: ticket.unit,
        state: STATE_LABELS[ticket.state],
        lastReply: ticket.lastReply,
      });
      sorted.forEach((e, i) => {
        if (e.data.type === 'contact_revealed') return;
        const ev = evidenceEvent(e, ticket, befores[i]);
        events.push({ ...ev, detail: text(ev.detail, ticket) });
        const fu = evidenceFollowUp(e, ticket);
        if (fu) followUps.push({ ...fu, reason: fu.reason && text(fu.reason, ticket), comment: fu.comment && text(fu.comment, ticket) });
      });
    }
    tickets.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    events.sort((a, b) => a.number.localeCompare(b.number) || a.seq - b.seq);
    followUps.sort((a, b) => a.at.localeCompare(b.at));
    const masked = (f: Flag): Flag => {
      if (!mask) return f;
      const cf = (s: string) => maskPersonalText(s);
      return { ...f, summary: cf(f.summary), events: f.events.map((e) => ({ ...e, detail: cf(e.detail) })), followUps: f.followUps.map((x) => ({ ...x, reason: x.reason && cf(x.reason), comment: x.comment && cf(x.comment) })) };
    };
    const counts = { shirking: 0, false_completion: 0, copied_reply: 0 } as Record<FlagKind, number>;
    for (const f of flags) counts[f.kind]++;
    const now = this.d.clock.now();
    await this.d.audit.append({ at: now, actorId: by.id, kind: 'accountability.case_file', subject: `accountability:${unit}`, data: { unit, from: period.from.toISOString(), to: period.to.toISOString(), contacts, flags: flags.length, tickets: tickets.length, by: by.name } });
    return { unit, period: { from: period.from.toISOString(), to: period.to.toISOString() }, generatedAt: now.toISOString(), generatedBy: by.name, contacts, counts, flags: flags.map(masked), tickets, events, followUps };
  }
}

/** Shanghai wall time, as the office reads it: 2026-11-26 10:00. */
export function shanghaiTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + SHANGHAI_OFFSET_MS);
  return `${shanghaiParts(new Date(iso)).date} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** The case file as one workbook: 概要, 问责线索, 工单, 事件, 回访答复 (Chinese headers). */
export async function caseFileXlsx(cf: CaseFile): Promise<Buffer> {
  const wb = new (await excel()).Workbook();
  wb.creator = 'Suban 速办';
  wb.title = `问责线索案卷_${cf.unit}`;
  const sheet = (name: string, headers: [string, number][], rows: (string | number | null)[][]) => {
    const ws: ExcelJS.Worksheet = wb.addWorksheet(name);
    ws.columns = headers.map(([header, width]) => ({ header, width }));
    ws.getRow(1).font = { bold: true };
    for (const r of rows) ws.addRow(r.map((v) => (typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v)));
    return ws;
  };
  const toLabel = new Date(new Date(cf.period.to).getTime() - 1).toISOString();
  sheet(
    '概要',
    [
      ['项目', 18],
      ['内容', 60],
    ],
    [
      ['承办单位', cf.unit],
      ['统计区间', `${shanghaiParts(new Date(cf.period.from)).date} 至 ${shanghaiParts(new Date(toLabel)).date}`],
      ['推诿扯皮线索', cf.counts.shirking],
      ['虚假办结线索', cf.counts.false_completion],
      ['复制答复线索', cf.counts.copied_reply],
      ['涉及工单', cf.tickets.length],
      ['生成时间', shanghaiTime(cf.generatedAt)],
      ['生成人', cf.generatedBy],
      ['个人信息', cf.contacts === 'masked' ? '来电号码与姓名已隐去，文字中的电话、证件号已隐去' : '含完整来电号码（已记入审计）'],
      ['说明', '线索由系统依据工单事件记录自动识别，仅供核查参考，须经人工核实后依规依纪依法处理。'],
    ],
  );
  sheet(
    '问责线索',
    [
      ['类型', 12],
      ['依据', 14],
      ['承办单位', 16],
      ['线索摘要', 70],
      ['涉及工单', 30],
      ['相似度', 10],
      ['职责清单依据', 40],
    ],
    cf.flags.map((f) => [
      FLAG_LABELS[f.kind],
      { refused_returns: '退单被驳回', followup: '回访未解决', repeat_call: '30天内重复来电', copied_reply: '答复雷同' }[f.basis],
      f.unit,
      f.summary,
      f.numbers.join('、'),
      f.similarity ?? null,
      f.dutyEvidence ? Object.entries(f.dutyEvidence).map(([n, ev]) => `${n}：${ev.join('；')}`).join('\n') : null,
    ]),
  );
  sheet(
    '工单',
    [
      ['工单编号', 18],
      ['受理时间', 18],
      ['渠道', 10],
      ['类别', 8],
      ['来电人', 10],
      ['联系电话', 16],
      ['诉求内容', 60],
      ['地点', 24],
      ['承办单位', 16],
      ['状态', 10],
      ['最后答复', 50],
    ],
    cf.tickets.map((t) => [t.number, shanghaiTime(t.createdAt), t.channel, t.category, t.contactName, t.contact, t.content, t.place, t.unit, t.state, t.lastReply]),
  );
  sheet(
    '事件',
    [
      ['工单编号', 18],
      ['序号', 6],
      ['时间', 18],
      ['事件', 10],
      ['操作人', 16],
      ['内容', 70],
    ],
    cf.events.map((e) => [e.number, e.seq, shanghaiTime(e.at), EVENT_LABELS[e.type] ?? e.label, e.actor, e.detail]),
  );
  sheet(
    '回访答复',
    [
      ['工单编号', 18],
      ['回访时间', 18],
      ['满意度', 10],
      ['是否解决', 10],
      ['原因', 40],
      ['群众原话', 40],
      ['回访方式', 10],
    ],
    cf.followUps.map((f) => [f.number, shanghaiTime(f.at), f.satisfaction, f.solved === null ? null : f.solved ? '已解决' : '未解决', f.reason, f.comment, f.via]),
  );
  return Buffer.from(await wb.xlsx.writeBuffer());
}
