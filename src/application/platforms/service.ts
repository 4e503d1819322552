/**
 * The one channel adapter for the 14 outside platforms of 附件2. Cases arrive pushed (signed
 * HTTP) or pulled (export files dropped in a directory, imported by a durable job); either way
 * they become tickets with `channel = platform:<name>` and the platform's case id as externalRef
 * and idempotency key, so the same case never makes a second ticket however often it arrives.
 *
 * Handling by kind (附件2):
 * - interconnect: the original platform keeps the case, dispatches it and reviews the reply. We
 *   keep a MIRROR for the record, for KPIs and for citizens who ask the hotline about it: the
 *   ticket is created with externalRef, dispatched to the unit the platform names (or the unit
 *   standing for its managing department), marked noCallback (回访 is the original platform's),
 *   and carries a note saying so. It then follows the platform's own status: a later delivery of
 *   the same case saying 已答复/已办结 moves the mirror to replied/closed with the platform's
 *   reply. The hotline never sends a reply back for these.
 * - merged-review: the hotline dispatches; the ticket's reviewer is the managing department, so
 *   the unit's reply waits in `reviewing` until a supervisor/admin acting for that department
 *   approves it; only then does it go back to the platform.
 * - merged: the hotline's own flow; the reply goes back as soon as the unit replies.
 *
 * Reply-back is the job 'platform.reply', set in the same transaction as the event that makes the
 * ticket `replied` (see timersFor in ../tickets/timers.ts), so a crash cannot lose it; the
 * handler POSTs to the platform with an HMAC signature and retries with backoff on failure.
 */
import { createHash } from 'node:crypto';
import { stripBadDeep } from '../../domain/text.js';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import { AppError, invalid, notFound } from '../../domain/errors.js';
import { mirrorEvents as mirrorSteps } from '../../domain/tickets/mirror.js';
import type { TicketEventData } from '../../domain/tickets/events.js';
import type { Actor, Ticket } from '../../domain/tickets/ticket.js';
import type { JobHandlers, JobOf, JobSpec, JobStore } from '../ports/jobs.js';
import type { AuditLog, DedupeStore } from '../ports/misc.js';
import type { ExportFolders } from '../ports/export-folders.js';
import type { TicketStore } from '../ports/tickets.js';
import type { TicketService } from '../tickets/service.js';
import { JOB } from '../ports/jobs.js';
import { channelOf, type PlatformConfig } from './config.js';
import { EXPORT_LIMITS, parseExport } from './export-file.js';
import { mapCase, type PlatformCase } from './mapping.js';
import { signedHeaders } from './signature.js';
import { nextSlot } from '../jobs/periodic.js';


export interface PlatformDeps {
  platforms: Map<string, PlatformConfig>;
  tickets: TicketService;
  store: TicketStore;
  jobs: JobStore;
  dedupe: DedupeStore;
  audit: AuditLog;
  clock: Clock;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  units: () => Set<string>;
  /** Where the poll sources' export files are dropped. */
  folders: ExportFolders;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  replyTimeoutMs?: number;
}

export interface Received {
  caseId: string;
  ticket: Ticket;
  created: boolean;
  /** Interconnect: the mirror events this delivery applied (signed, replied, closed). */
  mirrored: string[];
}

export interface ImportSummary {
  file: string;
  rows: number;
  created: number;
  duplicates: number;
  rejected: { row: number; errors: string[] }[];
}

export class PlatformService {
  private readonly byName = new Map<string, PlatformConfig>();

  constructor(private readonly d: PlatformDeps) {
    for (const p of d.platforms.values()) this.byName.set(p.name, p);
  }

  list(): PlatformConfig[] {
    return [...this.d.platforms.values()].sort((a, b) => a.no - b.no);
  }

  get(slug: string): PlatformConfig {
    const p = this.d.platforms.get(slug);
    if (!p) throw notFound('platform', slug);
    return p;
  }

  /** The platform a ticket came from, by its channel. */
  ofChannel(channel: string): PlatformConfig | null {
    return channel.startsWith('platform:') ? (this.byName.get(channel.slice('platform:'.length)) ?? null) : null;
  }

  /** One case (already authenticated by the caller) → our ticket. Throws `invalid` with the mapping errors. */
  async receive(p: PlatformConfig, rec: unknown, source: 'push' | 'poll'): Promise<Received> {
    const m = mapCase(p, rec);
    if (!m.ok) throw invalid('bad_case', `${p.name} 案件数据有误:${m.errors.join(';')}`, { errors: m.errors });
    const c = m.value;
    const actor = this.actor(p);
    const via = `platform:${p.slug}:${source}`;
    const r = await this.d.tickets.intake(
      {
        channel: channelOf(p),
        content: c.content,
        contact: c.contact,
        contactName: c.contactName,
        category: c.category ?? undefined,
        place: c.place,
        township: c.township,
        attachments: c.attachments,
        unit: p.kind === 'interconnect' ? this.mirrorUnit(p, c) : undefined,
        noCallback: p.kind === 'interconnect',
        externalRef: c.caseId,
        reviewer: p.kind === 'merged-review' ? (p.reviewer ?? p.manager) : null,
        sourceKey: `platform:${p.name}:${c.caseId}`,
        // With the ticket, not after it: a crash between the two left a mirror without its note.
        ...(p.kind === 'interconnect' ? { notes: [`互联互通镜像:本件由${p.name}(${p.manager})负责转办、审核回复,热线仅留存记录,不向原平台回复。`] } : {}),
      },
      actor,
      via,
    );
    let ticket = r.ticket;
    const mirrored: string[] = [];
    if (p.kind === 'interconnect') {
      const synced = await this.syncMirror(p, ticket, c, actor, via);
      ticket = synced.ticket;
      mirrored.push(...synced.applied);
    }
    return { caseId: c.caseId, ticket, created: r.created, mirrored };
  }

  private actor(p: PlatformConfig): Actor {
    return { id: `platform:${p.slug}`, role: 'system', name: p.name };
  }

  private mirrorUnit(p: PlatformConfig, c: PlatformCase): string | undefined {
    const units = this.d.units();
    if (c.unit && units.has(c.unit)) return c.unit;
    return p.managerUnit && units.has(p.managerUnit) ? p.managerUnit : undefined;
  }

  /** Bring an interconnect mirror to the state its own platform reports; never backwards. */
  private async syncMirror(p: PlatformConfig, t: Ticket, c: PlatformCase, actor: Actor, via: string): Promise<{ ticket: Ticket; applied: string[] }> {
    const target = c.mirrorState;
    if (!target || target === 'open' || !mirrorEvents(t, target, c, p).length) return { ticket: t, applied: [] };
    let applied: string[] = [];
    const ticket = await this.d.tickets.apply(t.id, actor, via, (cur) => {
      const ev = mirrorEvents(cur, target, c, p);
      applied = ev.map((e) => e.type);
      return ev;
    });
    return { ticket, applied };
  }

  /** Import one export file's bytes; bad rows are reported, good rows imported. */
  async importFile(p: PlatformConfig, data: Buffer, file: string): Promise<ImportSummary> {
    if (!p.poll) throw invalid('no_poll_source', `${p.name} 未配置导出文件导入`);
    // A file from outside: NUL and lone surrogates are stripped as from a signed push (issue 19).
    const records = stripBadDeep(await parseExport(data, p.poll.format, { encoding: p.poll.encoding, sheet: p.poll.sheet }));
    const summary: ImportSummary = { file, rows: records.length, created: 0, duplicates: 0, rejected: [] };
    for (const [i, rec] of records.entries()) {
      try {
        const r = await this.receive(p, rec, 'poll');
        if (r.created) summary.created++;
        else summary.duplicates++;
      } catch (e) {
        if (!(e instanceof AppError) || e.kind !== 'invalid') throw e;
        // Row numbers as the office sees them in the spreadsheet (header is row 1).
        summary.rejected.push({ row: p.poll.format === 'json' ? i + 1 : i + 2, errors: (e.details?.errors as string[] | undefined) ?? [e.message] });
      }
    }
    await this.d.audit.append({ at: this.d.clock.now(), actorId: `platform:${p.slug}`, kind: 'platform.import', subject: `platform:${p.slug}`, data: summary });
    if (summary.rejected.length) this.d.log.warn({ platform: p.slug, file, rejected: summary.rejected }, 'platform export rows rejected');
    return summary;
  }

  /**
   * Import every new export file in the platform's directory, then move it to processed/. A file
   * already imported (same bytes) is not read twice even when it could not be moved.
   */
  async poll(slug: string): Promise<ImportSummary[]> {
    const p = this.get(slug);
    if (!p.poll) return [];
    const { dir, format } = p.poll;
    const folders = this.d.folders;
    if (!folders.exists(dir)) {
      this.d.log.warn({ platform: slug, dir }, 'platform poll directory does not exist');
      return [];
    }
    const ext = format === 'xlsx' ? /\.xlsx$/i : format === 'csv' ? /\.csv$/i : /\.json$/i;
    const names = await folders.list(dir, ext);
    const out: ImportSummary[] = [];
    for (const name of names) {
      // Too big to read at all: set aside like a file that cannot be parsed (issue 19).
      if ((await folders.size(dir, name)) > EXPORT_LIMITS.maxBytes) {
        this.d.log.error({ platform: slug, file: name }, 'platform export file too large, set aside');
        await this.d.audit.append({ at: this.d.clock.now(), actorId: `platform:${slug}`, kind: 'platform.import_failed', subject: `platform:${slug}`, data: { file: name, error: 'export_too_large' } });
        await folders.moveTo(dir, 'rejected', name).catch(() => undefined);
        continue;
      }
      const data = await folders.read(dir, name);
      const hash = createHash('sha256').update(data).digest('hex');
      const key = `${slug}:${hash}`;
      if ((await this.d.dedupe.get('platform.file', key)) === undefined) {
        try {
          const s = await this.importFile(p, data, name);
          out.push(s);
          await this.d.dedupe.set('platform.file', key, { file: name, rows: s.rows, created: s.created }, this.d.clock.now());
        } catch (e) {
          if (!(e instanceof AppError) || e.kind !== 'invalid') throw e;
          // A file that cannot be parsed at all is set aside, not retried forever.
          this.d.log.error({ platform: slug, file: name, err: e.message }, 'platform export file rejected');
          await this.d.audit.append({ at: this.d.clock.now(), actorId: `platform:${slug}`, kind: 'platform.import_failed', subject: `platform:${slug}`, data: { file: name, error: e.message } });
          await folders.moveTo(dir, 'rejected', name).catch(() => undefined);
          continue;
        }
      }
      await folders.moveTo(dir, 'processed', name).catch((e: Error) => this.d.log.warn({ platform: slug, file: name, err: e.message }, 'could not move imported file'));
    }
    return out;
  }

  /** The next poll slot of a platform: aligned to its interval, so every instance computes the same job key. */
  nextPoll(p: PlatformConfig, after: Date): JobSpec<typeof JOB.platformPoll> {
    const every = p.poll!.everyMinutes * 60_000;
    const runAt = nextSlot(after, every);
    return { kind: JOB.platformPoll, key: `platform.poll:${p.slug}:${runAt.toISOString()}`, runAt, payload: { slug: p.slug } };
  }

  /**
   * Start polling the platforms whose export directory exists (an office enables polling by
   * creating it). Safe to call on every start and on every instance: job keys are per slot.
   */
  async schedulePolls(): Promise<string[]> {
    const now = this.d.clock.now();
    const on = this.list().filter((p) => p.poll && this.d.folders.exists(p.poll.dir));
    await this.d.jobs.enqueue(on.map((p) => ({ ...this.nextPoll(p, new Date(now.getTime() - p.poll!.everyMinutes * 60_000)), runAt: now })));
    return on.map((p) => p.slug);
  }

  async runPollJob(job: JobOf<typeof JOB.platformPoll>): Promise<void> {
    const { slug } = job.payload;
    const p = this.get(slug);
    try {
      await this.poll(slug);
    } finally {
      // The next slot is set even when this run failed; the failed run itself is retried by the runner.
      if (p.poll) await this.d.jobs.enqueue([this.nextPoll(p, this.d.clock.now())]);
    }
  }

  /** Send the reply that made the ticket `replied` at `version` back to its platform. */
  async runReplyJob(job: JobOf<typeof JOB.platformReply>): Promise<void> {
    const { ticketId, version } = job.payload;
    const t = await this.d.store.get(ticketId);
    if (!t) return;
    const p = this.ofChannel(t.channel);
    if (!p) return void this.d.log.warn({ ticketId, channel: t.channel }, 'reply job for a ticket of no known platform');
    if (p.kind === 'interconnect' || !p.reply) return; // the original platform replies itself
    if (!p.secret) throw new Error(`${p.secretEnv} is not set: cannot sign the reply to ${p.name}`);
    const events = await this.d.store.events(ticketId);
    const upto = events.filter((e) => e.seq <= version);
    const replied = [...upto].reverse().find((e) => e.data.type === 'replied');
    if (!replied || replied.data.type !== 'replied') throw new Error(`ticket ${t.number} has no reply at version ${version}`);
    const review = [...upto].reverse().find((e) => e.data.type === 'review_decided' && e.data.approved && e.seq > replied.seq);
    const f = p.reply.fields;
    const payload = {
      [f.caseId]: t.externalRef,
      [f.ticketNumber]: t.number,
      [f.reply]: replied.data.reply,
      [f.unit]: t.unit,
      [f.repliedAt]: replied.at.toISOString(),
      // The platform knows its managing department by its own name (市委办公室), not our directory's.
      [f.reviewedBy]: review ? (p.kind === 'merged-review' ? p.manager : (t.reviewer ?? review.actorName ?? null)) : null,
    };
    const body = JSON.stringify(payload);
    const res = await (this.d.fetch ?? fetch)(p.reply.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-suban-delivery': job.key, ...signedHeaders(p.secret, body, this.d.clock.now()) },
      body,
      signal: AbortSignal.timeout(this.d.replyTimeoutMs ?? 10_000),
    });
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 200);
      throw new Error(`${p.name} answered ${res.status} to the reply of ${t.number}: ${text}`);
    }
    await res.body?.cancel().catch(() => undefined);
    await this.d.tickets.apply(t.id, this.actor(p), `platform:${p.slug}:reply`, () => [{ type: 'note', text: `答复已回传${p.name}(案件编号 ${t.externalRef})` }]);
  }

  register(runner: JobHandlers): void {
    runner.register(JOB.platformPoll, (job) => this.runPollJob(job));
    // The reply job is set by timersFor, in the transaction of the reply.
    runner.register(JOB.platformReply, (job) => this.runReplyJob(job));
  }
}

/** The lifecycle steps that take a mirror to the platform's state (the rule is the domain's: domain/tickets/mirror.ts). */
function mirrorEvents(t: Ticket, target: 'replied' | 'closed', c: PlatformCase, p: PlatformConfig): TicketEventData[] {
  const reply = c.reply ?? `${p.name}已${target === 'closed' ? '办结' : '答复'}(详见原平台)`;
  return mirrorSteps(t, target, reply, `${p.name}已办结`);
}
