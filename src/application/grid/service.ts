/**
 * 网格员 (the plan §二.2: 快速处置队伍 … 发现、反馈、办理、跟踪). A grid worker belongs to a township and a
 * grid area. They
 *  - report matters found on patrol (channel `grid`, the one intake pipeline, photos and a place);
 *  - receive tickets in their grid: the township (a unit user of a township) or the hotline office
 *    hands a ticket to them (`grid_assigned`) to check on the spot or handle, and they report back
 *    with text and photos (`grid_reported`);
 *  - confirm the unit's result on the spot before the 回访: a replied ticket with a grid worker waits
 *    for `grid_confirmed` (ok → 回访; not ok → back to the unit), or for the deadline (timers:
 *    JOB.gridConfirmDue), after which `grid_confirm_lapsed` lets the 回访 go ahead anyway.
 */
import type { Clock } from '../../domain/clock.js';
import { forbidden, invalid } from '../../domain/errors.js';
import { actorOf, mayAct, OFFICE_ROLES, type Principal } from '../../domain/policy.js';
import type { Attachment, Ticket } from '../../domain/tickets/ticket.js';
import { SYSTEM } from '../../domain/tickets/ticket.js';
import type { JobHandlers } from '../ports/jobs.js';
import type { TicketStore } from '../ports/tickets.js';
import type { UnitStore, User, UserStore } from '../ports/users.js';
import type { IntakeResult, TicketService } from '../tickets/service.js';
import { JOB } from '../ports/jobs.js';

export interface GridReportInput {
  content: string;
  /** a typed place (村、路、小区), or what the phone's position was turned into */
  place?: string | null;
  /** the browser's position when the grid worker allowed it */
  location?: { lat: number; lng: number; accuracy?: number | null } | null;
  attachments?: Attachment[];
  urgent?: boolean;
  /** the form's idempotency key: a retried submit gives the same ticket */
  idempotencyKey?: string | null;
}

export interface GridWorker {
  id: string;
  name: string;
  township: string | null;
  gridArea: string | null;
}

export interface GridServiceDeps {
  tickets: TicketService;
  store: TicketStore;
  users: UserStore;
  units: Pick<UnitStore, 'get'>;
  clock: Clock;
}

const workerOf = (u: User): GridWorker => ({ id: u.id, name: u.displayName ?? u.name, township: u.township ?? null, gridArea: u.gridArea ?? null });

export class GridService {
  constructor(private readonly d: GridServiceDeps) {}

  register(runner: JobHandlers): void {
    runner.register(JOB.gridConfirmDue, (job) => this.confirmDue(job.payload.ticketId));
  }

  /** The grid worker behind a principal (their township and grid area are on the user record). */
  async worker(p: Principal): Promise<GridWorker> {
    if (p.role !== 'grid') throw forbidden();
    const u = await this.d.users.byId(p.id);
    if (!u || u.disabled) throw forbidden();
    return workerOf(u);
  }

  /** 发现上报: a matter found on patrol becomes a ticket on channel `grid`, followed by its reporter. */
  async report(p: Principal, input: GridReportInput): Promise<IntakeResult> {
    const w = await this.worker(p);
    const content = input.content?.trim() ?? '';
    if (!content) throw invalid('empty_content', '请填写发现的问题');
    const loc = input.location;
    if (loc && !(Number.isFinite(loc.lat) && Number.isFinite(loc.lng) && Math.abs(loc.lat) <= 90 && Math.abs(loc.lng) <= 180)) throw invalid('bad_location', '定位坐标无效');
    const typed = input.place?.trim() || null;
    if (!typed && !loc) throw invalid('place_required', '请允许定位或填写地点');
    const coords = loc ? `${loc.lat.toFixed(6)},${loc.lng.toFixed(6)}` : null;
    const notes = [`网格员 ${w.name}（${w.township ?? ''}${w.gridArea ? ` ${w.gridArea}` : ''}）巡查发现上报${coords ? `，定位 ${coords}${loc?.accuracy ? `（精度约 ${Math.round(loc.accuracy)} 米）` : ''}` : ''}`];
    return this.d.tickets.intake(
      {
        channel: 'grid',
        content,
        contact: null,
        contactName: w.name,
        place: typed ?? (coords ? `定位 ${coords}` : null),
        township: w.township,
        urgent: input.urgent || undefined,
        attachments: input.attachments ?? [],
        // The grid worker confirms the result on the spot; nobody is called back.
        noCallback: true,
        sourceKey: input.idempotencyKey ? `grid:${p.id}:${input.idempotencyKey}` : null,
        notes,
        gridReporter: { id: w.id, name: w.name, township: w.township },
      },
      actorOf(p),
      'grid',
    );
  }

  /** The grid workers a principal may hand a ticket to: a township's own, or (office) any, optionally of one township. */
  async workers(p: Principal, township?: string | null): Promise<GridWorker[]> {
    const own = await this.assignerTownship(p);
    const town = own ?? township ?? null;
    return (await this.d.users.list()).filter((u) => u.role === 'grid' && !u.disabled && (!town || u.township === town)).map(workerOf);
  }

  /** 交网格员: a township user (on its own tickets) or the hotline office hands a ticket to a grid worker. */
  async assign(p: Principal, ticketId: string, workerId: string, note?: string): Promise<Ticket> {
    const own = await this.assignerTownship(p);
    const u = await this.d.users.byId(workerId);
    if (!u || u.role !== 'grid' || u.disabled) throw invalid('unknown_grid_worker', '请选择一名网格员');
    if (own && u.township !== own) throw invalid('other_township', `只能交给本乡镇(${own})的网格员`);
    const w = workerOf(u);
    return this.d.tickets.act(p, ticketId, 'grid_assign', 'console', (t) => {
      if (t.grid?.workerId === w.id && t.grid.status === 'assigned') return [];
      return [{ type: 'grid_assigned', workerId: w.id, workerName: w.name, township: w.township, ...(note?.trim() ? { note: note.trim() } : {}) }];
    });
  }

  /** The grid worker's on-the-spot report on a ticket they were handed (text and photos). */
  reportBack(p: Principal, ticketId: string, text: string, attachments: Attachment[] = []): Promise<Ticket> {
    if (!text.trim()) throw invalid('empty_report', '请填写现场核查或处置情况');
    return this.d.tickets.act(p, ticketId, 'grid_report', 'grid', () => [{ type: 'grid_reported', text: text.trim(), ...(attachments.length ? { attachments } : {}) }]);
  }

  /** 现场确认: the unit's result holds (the 回访 follows) or not (back to the unit, with the reason). */
  confirm(p: Principal, ticketId: string, ok: boolean, note?: string, attachments: Attachment[] = []): Promise<Ticket> {
    if (!ok && !note?.trim()) throw invalid('reason_required', '未办好时请写明现场情况');
    return this.d.tickets.act(p, ticketId, 'grid_confirm', 'grid', (t) => {
      if (t.grid?.status !== 'confirming') throw invalid('not_confirming', `工单 ${t.number} 目前不需要网格员确认`);
      return [{ type: 'grid_confirmed', ok, ...(note?.trim() ? { note: note.trim() } : {}), ...(attachments.length ? { attachments } : {}) }];
    });
  }

  /** 我的任务: tickets the grid worker has (to check, handle or confirm) and their own reports, newest first. */
  async mine(p: Principal, limit = 100): Promise<Ticket[]> {
    if (p.role !== 'grid') throw forbidden();
    const { items } = await this.d.store.list({ gridUser: p.id }, { limit });
    return items.filter((t) => mayAct(p, 'read', t));
  }

  /** The confirmation deadline passed: the 回访 goes ahead (a no-op when it was confirmed or the ticket moved on). */
  async confirmDue(ticketId: string): Promise<void> {
    const t = await this.d.store.get(ticketId);
    if (!t || t.state !== 'replied' || t.grid?.status !== 'confirming') return;
    await this.d.tickets.apply(ticketId, SYSTEM, 'system', (cur) => (cur.state === 'replied' && cur.grid?.status === 'confirming' ? [{ type: 'grid_confirm_lapsed' }] : []));
  }

  /** A township user's own township; null for the hotline office; anyone else may not hand tickets to grid workers. */
  private async assignerTownship(p: Principal): Promise<string | null> {
    if (OFFICE_ROLES.includes(p.role)) return null;
    if (p.role === 'unit' && p.unit) {
      const u = await this.d.units.get(p.unit);
      if (u?.kind === 'township') return u.name;
    }
    throw forbidden('只有乡镇或热线办可以交办网格员');
  }
}

