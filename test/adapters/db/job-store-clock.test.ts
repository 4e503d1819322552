/** A new job is stamped by the injected clock, not the wall clock (created_at), on both engines. */
import t from 'tap';
import { SqlJobStore } from '../../../adapters/db/job-store.js';
import { FakeClock } from '../../../src/domain/clock.js';
import { ENGINES, freshDatabase } from '../../helpers/db.js';
import { foreignJob } from '../../helpers/jobs.js';

for (const engine of ENGINES) {
  t.test(`job created_at from the injected clock on ${engine}`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const clock = new FakeClock('2020-02-02T02:02:02Z');
    const jobs = new SqlJobStore(db, clock);
    await jobs.enqueue([foreignJob('test.clock', 'clock:1', new Date('2030-01-01T00:00:00Z'))]);
    const rows = await db.db.select({ createdAt: db.t.jobs.createdAt }).from(db.t.jobs);
    t.same(
      rows.map((r) => Number(r.createdAt)),
      [clock.now().getTime()],
      'the fake clock\'s instant, years before the wall clock',
    );
  });
}
