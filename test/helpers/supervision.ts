import pino from 'pino';
import { SqlDedupeStore } from '../../adapters/db/misc-stores.js';
import { SqlUnitStore } from '../../adapters/db/unit-store.js';
import { SupervisionService, type SupervisionConfig } from '../../src/application/supervision/service.js';
import { deadlineCalendar } from '../../src/application/deadline-calendar.js';
import { WorkCalendar } from '../../src/domain/sla/calendar.js';
import { DEFAULT_SLA_LIMITS } from '../../src/domain/sla/limits.js';
import type { Harness } from '../application/paging/harness.js';
import { PHONES } from '../application/paging/harness.js';

/** The 督办 service on a paging harness's database and job runner (its timers and sweeps run with the rest). */
export function withSupervision(h: Harness, config: Partial<SupervisionConfig> = {}): SupervisionService {
  const supervision = new SupervisionService({
    tickets: h.tickets,
    store: h.ticketStore,
    jobs: h.jobs,
    state: h.state,
    dedupe: new SqlDedupeStore(h.db),
    sms: h.sms,
    units: new SqlUnitStore(h.db),
    calendar: deadlineCalendar(new WorkCalendar(), DEFAULT_SLA_LIMITS, { start: '08:30', end: '21:00' }),
    clock: h.clock,
    bus: h.bus,
    log: pino({ level: 'silent' }),
    hotlineDutyPhone: PHONES.hotline,
    config,
  });
  supervision.register(h.runner);
  return supervision;
}
