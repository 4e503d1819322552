import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { JobRunner } from '../../../src/application/jobs/runner.js';
import { JOB, type JobSpec } from '../../../src/application/ports/jobs.js';
import { SqlJobStore } from '../../../adapters/db/job-store.js';
import { openDatabase } from '../../../adapters/db/database.js';

const quiet = { info() {}, warn() {}, error() {} };

/**
 * JobPayloads types every kind's payload where it is set and where it is handled. The lines marked
 * @ts-expect-error are the check: `npx tsc --noEmit` fails as soon as one of them compiles.
 */
t.test('a job is set and handled with the payload of its kind', async (t) => {
  const db = await openDatabase({ url: 'sqlite::memory:' });
  await db.migrate();
  t.teardown(() => db.close());
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const jobs = new SqlJobStore(db, clock);
  const runner = new JobRunner(jobs, clock, quiet, { worker: 'w' });
  const seen: { pageId: string; step: number; attempt: number }[] = [];
  runner.register(JOB.pageStep, async (job) => {
    seen.push({ pageId: job.payload.pageId, step: job.payload.step, attempt: job.payload.attempt });
    // @ts-expect-error a page step carries no ticket version
    void job.payload.version;
  });
  // @ts-expect-error a handler of one kind cannot take another kind's payload
  runner.register(JOB.followupSms, async (job: { payload: { pageId: string } }) => void job.payload.pageId);

  const step: JobSpec = { kind: JOB.pageStep, key: 'page:P1:0:1', runAt: clock.now(), payload: { pageId: 'P1', ticketId: 'T1', step: 0, attempt: 1 } };
  // @ts-expect-error a 回访 SMS needs its round
  const noRound: JobSpec = { kind: JOB.followupSms, key: 'k1', runAt: clock.now(), payload: { ticketId: 'T1' } };
  // @ts-expect-error the sweep carries nothing
  const extra: JobSpec = { kind: JOB.supervisionSweep, key: 'k2', runAt: clock.now(), payload: { ticketId: 'T1' } };
  // @ts-expect-error an unknown kind
  const unknown: JobSpec = { kind: 'page.stpe', key: 'k3', runAt: clock.now(), payload: {} };
  t.ok(noRound && extra && unknown, 'the wrong specs exist only for the compiler');

  await jobs.enqueue([step]);
  t.equal(await runner.runDue(), 1);
  t.same(seen, [{ pageId: 'P1', step: 0, attempt: 1 }], 'the handler reads the payload as it was set, through the job table');
});
