/**
 * One schema definition for both engines. `defineTables` is called with the SQLite column kit
 * and with the PostgreSQL one, so the two schemas cannot drift apart; drizzle-kit generates the
 * migrations of each from `schema.sqlite.ts` / `schema.pg.ts`. The TypeScript types are those of
 * the SQLite build: the query builders of both dialects share the methods the store uses.
 */
import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';

export const sqliteKit = {
  table: sqliteTable,
  text: (name: string) => text(name),
  int: (name: string) => integer(name),
  /** epoch milliseconds */
  ms: (name: string) => integer(name),
  bool: (name: string) => integer(name, { mode: 'boolean' }),
  json: (name: string) => text(name, { mode: 'json' }),
  serial: (name: string) => integer(name).primaryKey({ autoIncrement: true }),
  index,
  uniqueIndex,
  primaryKey,
};
export type Kit = typeof sqliteKit;

export function defineTables(k: Kit) {
  const tickets = k.table(
    'tickets',
    {
      id: k.text('id').primaryKey(),
      number: k.text('number').notNull(),
      day: k.text('day').notNull(),
      channel: k.text('channel').notNull(),
      contact: k.text('contact'),
      contactName: k.text('contact_name'),
      content: k.text('content').notNull(),
      category: k.text('category').notNull(),
      urgent: k.bool('urgent').notNull(),
      unit: k.text('unit'),
      township: k.text('township'),
      place: k.text('place'),
      attachments: k.json('attachments').notNull(),
      state: k.text('state').notNull(),
      signDeadline: k.ms('sign_deadline'),
      replyDeadline: k.ms('reply_deadline'),
      noCallback: k.bool('no_callback').notNull(),
      externalRef: k.text('external_ref'),
      reviewer: k.text('reviewer'),
      mergedInto: k.text('merged_into'),
      /** the duty officer who took on (接手) a ticket waiting for dispatch: {id, name, phone} */
      owner: k.json('owner'),
      ownerDeadline: k.ms('owner_deadline'),
      reopenCount: k.int('reopen_count').notNull(),
      supervision: k.text('supervision').notNull(),
      pendingExtensionDays: k.int('pending_extension_days').notNull(),
      lastReply: k.text('last_reply'),
      followUp: k.json('follow_up'),
      classification: k.json('classification'),
      createdAt: k.ms('created_at').notNull(),
      updatedAt: k.ms('updated_at').notNull(),
      version: k.int('version').notNull(),
      /** idempotency key of the request that created it (webhook id, platform case id, MsgId) */
      sourceKey: k.text('source_key'),
      /** the classifier's place name, normalised, so 并单 candidates are found by an index, not by scanning text */
      placeKey: k.text('place_key'),
      /** 网格员: the grid task (domain/tickets/grid.ts) */
      grid: k.json('grid'),
      /** the grid worker who has it, and the one who reported it: their lists are found by an index */
      gridWorker: k.text('grid_worker'),
      gridReporter: k.text('grid_reporter'),
      /** chosen for the 市融媒体中心 (media role and feed) */
      publication: k.json('publication'),
      publishedAt: k.ms('published_at'),
      /** 联动: the 突发事件 type (domain/tickets/assist.ts) */
      emergencyType: k.text('emergency_type'),
      /** 协办: the supporting units' parts (their fold) */
      assists: k.json('assists'),
      /** `|unit|unit|`: the 协办 units now, so a unit's inbox finds the tickets it supports */
      assistUnits: k.text('assist_units'),
      /** 现场处置: who each unit sent to the scene and their arrival */
      onSite: k.json('on_site'),
      /** WGS84 {lat, lng, source} when the channel gave coordinates (Open311, a shared WeChat location) */
      location: k.json('location'),
    },
    (t) => [
      k.uniqueIndex('tickets_number_uq').on(t.number),
      k.uniqueIndex('tickets_source_key_uq').on(t.sourceKey),
      k.index('tickets_state_idx').on(t.state, t.createdAt),
      k.index('tickets_unit_idx').on(t.unit, t.createdAt),
      k.index('tickets_contact_idx').on(t.contact, t.createdAt),
      k.index('tickets_created_idx').on(t.createdAt),
      k.index('tickets_place_key_idx').on(t.placeKey, t.createdAt),
      k.index('tickets_grid_worker_idx').on(t.gridWorker, t.createdAt),
      k.index('tickets_grid_reporter_idx').on(t.gridReporter, t.createdAt),
      k.index('tickets_published_idx').on(t.publishedAt),
    ],
  );

  const ticketEvents = k.table(
    'ticket_events',
    {
      id: k.serial('id'),
      ticketId: k.text('ticket_id').notNull(),
      seq: k.int('seq').notNull(),
      at: k.ms('at').notNull(),
      type: k.text('type').notNull(),
      actorId: k.text('actor_id').notNull(),
      actorRole: k.text('actor_role').notNull(),
      actorName: k.text('actor_name'),
      via: k.text('via').notNull(),
      data: k.json('data').notNull(),
    },
    (t) => [k.uniqueIndex('ticket_events_seq_uq').on(t.ticketId, t.seq), k.index('ticket_events_at_idx').on(t.at)],
  );

  /** Per-day ticket number counters; bumped in the same transaction as the insert, so numbers are gap-free. */
  const dayCounters = k.table('day_counters', {
    day: k.text('day').primaryKey(),
    n: k.int('n').notNull(),
  });

  const units = k.table('units', {
    name: k.text('name').primaryKey(),
    kind: k.text('kind').notNull(),
    sort: k.int('sort').notNull(),
    headName: k.text('head_name'),
    headPhone: k.text('head_phone'),
    active: k.bool('active').notNull(),
  });

  const users = k.table(
    'users',
    {
      id: k.text('id').primaryKey(),
      name: k.text('name').notNull(),
      displayName: k.text('display_name'),
      role: k.text('role').notNull(),
      unit: k.text('unit'),
      /** 网格员: the township and grid area of a `grid` user */
      township: k.text('township'),
      gridArea: k.text('grid_area'),
      phone: k.text('phone'),
      passwordHash: k.text('password_hash'),
      disabled: k.bool('disabled').notNull(),
      createdAt: k.ms('created_at').notNull(),
    },
    (t) => [k.uniqueIndex('users_name_uq').on(t.name)],
  );

  /** API tokens and console sessions, both stored as SHA-256 of the secret. */
  const credentials = k.table(
    'credentials',
    {
      hash: k.text('hash').primaryKey(),
      kind: k.text('kind').notNull(),
      userId: k.text('user_id').notNull(),
      csrf: k.text('csrf'),
      expiresAt: k.ms('expires_at'),
      createdAt: k.ms('created_at').notNull(),
    },
    (t) => [k.index('credentials_user_idx').on(t.userId)],
  );

  /** The one job table behind every timer (paging steps, follow-ups, supervision sweeps...). */
  const jobs = k.table(
    'jobs',
    {
      id: k.serial('id'),
      kind: k.text('kind').notNull(),
      key: k.text('key').notNull(),
      runAt: k.ms('run_at').notNull(),
      payload: k.json('payload').notNull(),
      status: k.text('status').notNull(),
      attempts: k.int('attempts').notNull(),
      lockedBy: k.text('locked_by'),
      lockedUntil: k.ms('locked_until'),
      lastError: k.text('last_error'),
      createdAt: k.ms('created_at').notNull(),
      finishedAt: k.ms('finished_at'),
    },
    (t) => [k.uniqueIndex('jobs_key_uq').on(t.key), k.index('jobs_due_idx').on(t.status, t.runAt)],
  );

  /** Remembered results of idempotent requests (provider callback ids, MsgIds...). */
  const dedupe = k.table(
    'dedupe',
    {
      scope: k.text('scope').notNull(),
      key: k.text('key').notNull(),
      value: k.json('value'),
      at: k.ms('at').notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.scope, t.key] })],
  );

  /** Small keyed state documents: IVR call sessions, WeChat conversations, rate-limit windows. */
  const stateDocs = k.table(
    'state_docs',
    {
      scope: k.text('scope').notNull(),
      key: k.text('key').notNull(),
      doc: k.json('doc').notNull(),
      expiresAt: k.ms('expires_at'),
      updatedAt: k.ms('updated_at').notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.scope, t.key] }), k.index('state_docs_expiry_idx').on(t.expiresAt)],
  );

  /**
   * Short leases across instances (one WeChat contact's message being handled): a row is held by
   * `owner` until `expires_at`; a row past it belongs to whoever asks next, so a dead instance's
   * lease is taken over. Released rows are deleted, so the table holds what is in hand right now.
   */
  const leases = k.table(
    'leases',
    {
      scope: k.text('scope').notNull(),
      key: k.text('key').notNull(),
      owner: k.text('owner').notNull(),
      expiresAt: k.ms('expires_at').notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.scope, t.key] })],
  );

  /** Append-only audit of everything that is not a ticket event: pages, deliveries, roster edits, reveals. */
  const audit = k.table(
    'audit',
    {
      id: k.serial('id'),
      at: k.ms('at').notNull(),
      actorId: k.text('actor_id').notNull(),
      kind: k.text('kind').notNull(),
      subject: k.text('subject'),
      data: k.json('data'),
    },
    (t) => [k.index('audit_subject_idx').on(t.subject, t.at)],
  );

  /**
   * Paging (duty person calls/SMS until acknowledged). `running_key` holds the ticket id while the
   * page runs, so one ticket never has two running pages; `source_key` makes a trigger idempotent.
   */
  const pages = k.table(
    'pages',
    {
      id: k.text('id').primaryKey(),
      ticketId: k.text('ticket_id').notNull(),
      ticketNumber: k.text('ticket_number').notNull(),
      unit: k.text('unit'),
      reason: k.text('reason').notNull(),
      status: k.text('status').notNull(),
      runningKey: k.text('running_key'),
      sourceKey: k.text('source_key'),
      chain: k.json('chain').notNull(),
      vars: k.json('vars').notNull(),
      step: k.int('step').notNull(),
      attempt: k.int('attempt').notNull(),
      nextStep: k.int('next_step'),
      nextAttempt: k.int('next_attempt'),
      nextAt: k.ms('next_at'),
      startedAt: k.ms('started_at').notNull(),
      startedBy: k.text('started_by').notNull(),
      endedAt: k.ms('ended_at'),
      endReason: k.text('end_reason'),
      ackedAt: k.ms('acked_at'),
      ackedBy: k.text('acked_by'),
      ackedById: k.text('acked_by_id'),
      ackVia: k.text('ack_via'),
    },
    (t) => [
      k.uniqueIndex('pages_running_uq').on(t.runningKey),
      k.uniqueIndex('pages_source_uq').on(t.sourceKey),
      k.index('pages_ticket_idx').on(t.ticketId, t.startedAt),
      k.index('pages_status_idx').on(t.status, t.startedAt),
    ],
  );

  /** One row per call or message of a page; (page, step, attempt) is the idempotency key of a send. */
  const pageAttempts = k.table(
    'page_attempts',
    {
      id: k.serial('id'),
      pageId: k.text('page_id').notNull(),
      ticketId: k.text('ticket_id').notNull(),
      step: k.int('step').notNull(),
      attempt: k.int('attempt').notNull(),
      target: k.text('target').notNull(),
      targetName: k.text('target_name'),
      channel: k.text('channel').notNull(),
      to: k.text('to_addr'),
      code: k.text('code'),
      status: k.text('status').notNull(),
      providerId: k.text('provider_id'),
      outcome: k.text('outcome'),
      result: k.text('result'),
      error: k.text('error'),
      at: k.ms('at').notNull(),
      endedAt: k.ms('ended_at'),
    },
    (t) => [
      k.uniqueIndex('page_attempts_pos_uq').on(t.pageId, t.step, t.attempt),
      k.index('page_attempts_to_idx').on(t.to, t.at),
      k.index('page_attempts_provider_idx').on(t.providerId),
    ],
  );

  /**
   * The policy knowledge base (知识库). A row is one entry: `published` is the approved content that is
   * served, `draft` the revision a unit is working on or that waits for review (null when none).
   * `state` is the review state of the latest revision. Every change appends a knowledge_versions row.
   */
  const knowledgeEntries = k.table(
    'knowledge_entries',
    {
      id: k.text('id').primaryKey(),
      unit: k.text('unit'),
      state: k.text('state').notNull(),
      title: k.text('title').notNull(),
      published: k.json('published'),
      draft: k.json('draft'),
      sample: k.bool('sample').notNull(),
      /** id in the centre's own 知识库 (import key) */
      externalId: k.text('external_id'),
      rejectReason: k.text('reject_reason'),
      reviewedAt: k.ms('reviewed_at'),
      reviewedBy: k.text('reviewed_by'),
      createdAt: k.ms('created_at').notNull(),
      createdBy: k.text('created_by'),
      updatedAt: k.ms('updated_at').notNull(),
      version: k.int('version').notNull(),
    },
    (t) => [
      k.uniqueIndex('knowledge_entries_external_uq').on(t.externalId),
      k.index('knowledge_entries_unit_idx').on(t.unit, t.updatedAt),
      k.index('knowledge_entries_state_idx').on(t.state, t.updatedAt),
    ],
  );

  /** Append-only history of every knowledge change: who, when, what (the revision's content after it). */
  const knowledgeVersions = k.table(
    'knowledge_versions',
    {
      id: k.serial('id'),
      entryId: k.text('entry_id').notNull(),
      seq: k.int('seq').notNull(),
      at: k.ms('at').notNull(),
      actorId: k.text('actor_id').notNull(),
      actorName: k.text('actor_name'),
      actorRole: k.text('actor_role').notNull(),
      action: k.text('action').notNull(),
      content: k.json('content'),
      note: k.text('note'),
    },
    (t) => [k.uniqueIndex('knowledge_versions_seq_uq').on(t.entryId, t.seq), k.index('knowledge_versions_at_idx').on(t.at)],
  );

  /** An entry used to answer (desk, bot, IVR), for the most-used list. */
  const knowledgeUses = k.table(
    'knowledge_uses',
    {
      id: k.serial('id'),
      entryId: k.text('entry_id').notNull(),
      channel: k.text('channel').notNull(),
      by: k.text('by_user'),
      ticketId: k.text('ticket_id'),
      at: k.ms('at').notNull(),
      data: k.json('data'),
    },
    (t) => [k.index('knowledge_uses_entry_idx').on(t.entryId, t.at), k.index('knowledge_uses_at_idx').on(t.at)],
  );

  /** Questions that found no confident entry: the units' to-do list. */
  const knowledgeMisses = k.table(
    'knowledge_misses',
    {
      id: k.serial('id'),
      question: k.text('question').notNull(),
      channel: k.text('channel').notNull(),
      at: k.ms('at').notNull(),
      data: k.json('data'),
    },
    (t) => [k.index('knowledge_misses_at_idx').on(t.at)],
  );

  /**
   * Change counters (name → n), bumped in the same transaction as the change they count; an instance
   * compares `knowledge` with the value its search index was built from and reloads when it moved.
   */
  const counters = k.table('counters', {
    name: k.text('name').primaryKey(),
    n: k.int('n').notNull(),
  });

  return { tickets, ticketEvents, dayCounters, units, users, credentials, jobs, dedupe, stateDocs, leases, audit, pages, pageAttempts, knowledgeEntries, knowledgeVersions, knowledgeUses, knowledgeMisses, counters };
}

export type Tables = ReturnType<typeof defineTables>;
