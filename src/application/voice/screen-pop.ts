/**
 * The operator's screen pop: what the IVR knows about the call plus what Suban knows about the
 * caller, ready to render. Built once per queued call and fanned out to every operator socket.
 */
import { shanghaiInstant, shanghaiParts, type Clock } from '../../domain/clock.js';
import { normalisePhone } from '../../domain/phone.js';
import { STATE_LABELS, type Category, type TicketState } from '../../domain/tickets/ticket.js';
import type { IvrPathEntry, ScreenPop } from '../ivr/instructions.js';
import type { ClassifierPort } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';



/** The pop's shape is shared with the console: src/contracts/live.ts. */
export type { CallerTicket, DraftTicket, OperatorScreenPop } from '../../contracts/live.js';
import type { DraftTicket, OperatorScreenPop } from '../../contracts/live.js';

export interface ScreenPopDeps {
  ticketStore: Pick<TicketStore, 'list'>;
  classifier: ClassifierPort;
  clock: Clock;
}

/** What the menu choice alone says when the caller said nothing a classifier could read. */
const MENU_HINTS: Record<string, { category?: Category; urgent?: boolean }> = {
  urgent: { urgent: true },
  consult: { category: '咨询' },
  complaint: { category: '投诉' },
};

export async function buildScreenPop(d: ScreenPopDeps, pop: ScreenPop, speech: string, callsToday: number): Promise<OperatorScreenPop> {
  const now = d.clock.now();
  const contact = normalisePhone(pop.caller);
  const { items } = contact ? await d.ticketStore.list({ contact }, { limit: 5 }) : { items: [] };
  const dayStart = shanghaiInstant(shanghaiParts(now).date, 0);
  const ticketsToday = items.filter((t) => t.createdAt >= dayStart).length;
  const hint = MENU_HINTS[pop.queue] ?? {};
  const c = speech ? await d.classifier.classify(speech) : null;
  const draft: DraftTicket = {
    channel: 'phone',
    contact,
    content: speech,
    category: c && c.confidence > 0 ? c.category : (hint.category ?? c?.category ?? '求助'),
    unit: c && !c.needsManualDispatch ? c.unit : null,
    urgent: !!hint.urgent || !!c?.urgent,
    urgentReasons: [...(hint.urgent ? ['来电人选择了即办/紧急'] : []), ...(c?.urgentReasons ?? [])],
    township: c?.township ?? null,
    place: c?.place ?? null,
    confidence: c?.confidence ?? 0,
    needsManualDispatch: c ? c.needsManualDispatch : true,
  };
  return {
    callId: pop.callId,
    caller: pop.caller,
    called: pop.called,
    queue: pop.queue,
    priority: pop.priority,
    ivrPath: pop.ivrPath,
    path: pop.path,
    digits: pop.digits,
    ...(pop.recordingUrl ? { recordingUrl: pop.recordingUrl } : {}),
    speech,
    queuedAt: now.toISOString(),
    recentTickets: items.map((t) => ({
      id: t.id,
      number: t.number,
      state: t.state,
      stateLabel: STATE_LABELS[t.state],
      category: t.category,
      urgent: t.urgent,
      unit: t.unit,
      createdAt: t.createdAt.toISOString(),
      content: t.content.split('\n')[0]!.slice(0, 60),
    })),
    repeatCallerToday: callsToday > 1 || ticketsToday > 0,
    callsToday,
    draft,
  };
}
