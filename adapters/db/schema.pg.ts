import { pgTable, text, integer, bigint, boolean, jsonb, serial, index, uniqueIndex, primaryKey } from 'drizzle-orm/pg-core';
import { defineTables, type Kit } from './tables.js';

/** The PostgreSQL column kit: same names, native types (bigint ms, boolean, jsonb). */
export const pgKit = {
  table: pgTable,
  text: (name: string) => text(name),
  int: (name: string) => integer(name),
  ms: (name: string) => bigint(name, { mode: 'number' }),
  bool: (name: string) => boolean(name),
  json: (name: string) => jsonb(name),
  serial: (name: string) => serial(name).primaryKey(),
  index,
  uniqueIndex,
  primaryKey,
} as unknown as Kit;

export const { tickets, ticketEvents, dayCounters, units, users, credentials, jobs, dedupe, stateDocs, leases, audit, pages, pageAttempts, knowledgeEntries, knowledgeVersions, knowledgeUses, knowledgeMisses, counters } = defineTables(pgKit);
