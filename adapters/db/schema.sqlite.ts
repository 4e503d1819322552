import { defineTables, sqliteKit } from './tables.js';

export const { tickets, ticketEvents, dayCounters, units, users, credentials, jobs, dedupe, stateDocs, leases, audit, pages, pageAttempts, knowledgeEntries, knowledgeVersions, knowledgeUses, knowledgeMisses, counters } = defineTables(sqliteKit);
