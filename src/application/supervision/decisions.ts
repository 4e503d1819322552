/**
 * 延期 and 退单 decisions, and 督办 marks, counted from the event log for the rates board: how often
 * a unit asked for more time or handed a ticket back, and what the hotline office decided.
 * Pure: like the KPI figures, any past period gives the same counts.
 */
import type { KpiSubject, Period } from '../../domain/kpi/index.js';
import type { GroupBy } from '../../domain/kpi/index.js';
import type { TicketEvent } from '../../domain/tickets/events.js';
import { applyEvent } from '../../domain/tickets/lifecycle.js';
import type { Ticket } from '../../domain/tickets/ticket.js';

export interface DecisionCounts {
  extensionRequested: number;
  extensionApproved: number;
  extensionRejected: number;
  /** 退单 by the unit */
  returned: number;
  /** returns the operator accepted by sending the ticket to another unit */
  returnAccepted: number;
  /** returns the operator refused by sending the ticket back to the same unit */
  returnRefused: number;
  /** 督办 marks (system or supervisor) */
  supervised: number;
  /** 通报 marks */
  noticed: number;
}

export const emptyDecisionCounts = (): DecisionCounts => ({ extensionRequested: 0, extensionApproved: 0, extensionRejected: 0, returned: 0, returnAccepted: 0, returnRefused: 0, supervised: 0, noticed: 0 });

/** Counts per group of events that happened in [from, to), charged to the unit that held the ticket then. */
export function decisionCounts(histories: Iterable<readonly TicketEvent[]>, period: Period, groupBy: GroupBy): Map<string, DecisionCounts> {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const out = new Map<string, DecisionCounts>();
  for (const events of histories) {
    const sorted = [...events].sort((a, b) => a.seq - b.seq).filter((e) => e.at.getTime() < to);
    let t: Ticket | null = null;
    let returnedBy: string | null = null;
    for (const e of sorted) {
      const before: Ticket | null = t;
      t = applyEvent(t, e);
      if (e.at.getTime() < from || !before) {
        if (e.data.type === 'returned') returnedBy = before?.unit ?? null;
        continue;
      }
      const charge = (unit: string | null, k: keyof DecisionCounts) => {
        const subject: KpiSubject = { ticketId: t!.id, unit, township: t!.township, channel: t!.channel, category: t!.category, urgent: t!.urgent };
        const key = groupBy(subject);
        if (key === null) return;
        let c = out.get(key);
        if (!c) out.set(key, (c = emptyDecisionCounts()));
        c[k]++;
      };
      const d = e.data;
      switch (d.type) {
        case 'extension_requested':
          charge(before.unit, 'extensionRequested');
          break;
        case 'extension_decided':
          charge(before.unit, d.approved ? 'extensionApproved' : 'extensionRejected');
          break;
        case 'returned':
          returnedBy = before.unit;
          charge(before.unit, 'returned');
          break;
        case 'dispatched':
          if (before.state === 'returned' && returnedBy) charge(returnedBy, d.unit === returnedBy ? 'returnRefused' : 'returnAccepted');
          returnedBy = null;
          break;
        case 'supervised':
          if (d.level === '督办') charge(before.unit, 'supervised');
          if (d.level === '通报') charge(before.unit, 'noticed');
          break;
        default:
          break;
      }
    }
  }
  return out;
}
