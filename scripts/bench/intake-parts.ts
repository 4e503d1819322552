/**
 * Where an intake's time goes, in-process and without HTTP: classification, the store's create,
 * and the 并单 search, each timed over the same inputs. Run: `npx tsx scripts/bench/intake-parts.ts`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { seed } from '../../src/application/seed.js';
import { findDuplicates } from '../../src/application/tickets/duplicates.js';
import type { TicketStore } from '../../src/application/ports/tickets.js';

const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'suban-parts-')), 'b.db')}`;
const ctx = await createContainer(loadConfig({ DATABASE_URL: url, SUBAN_LOG_LEVEL: 'warn' }), createLogger('warn'), {});
await seed(ctx, false);
const texts = ['象湖镇红都大道路灯不亮', '小区门口有人占道经营,影响通行', '我们村停水两天了', '超市卖过期食品', '老板拖欠工资三个月了', '楼下餐馆油烟很大'];
const by = { id: 'bench', role: 'operator' as const, name: 'bench', unit: null };
const N = Number(process.env.N ?? 3000);
// CPU time as well as wall time: on a shared machine the wall clock mostly measures the neighbours.
/** CPU time of the main thread alone (µs): process.cpuUsage also counts the GC's helper threads. */
const mainThreadUs = () => {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
};
let main0 = 0;
const report = (label: string, t0: number, c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  const main = mainThreadUs() - main0;
  console.log(`${label.padEnd(28)} ${(((performance.now() - t0) / N) * 1000).toFixed(0).padStart(6)} µs/op wall ${((c.user + c.system) / N).toFixed(0).padStart(6)} µs/op cpu ${(main / N).toFixed(0).padStart(6)} µs/op main thread`);
};
const time = async (label: string, f: (i: number) => unknown) => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  main0 = mainThreadUs();
  for (let i = 0; i < N; i++) await f(i);
  report(label, t0, c0);
};
if (!process.env.ONLY_INJECT) {
await time('classify', (i) => ctx.classifier.classify(texts[i % 6]!));
await time('intake (whole)', (i) => ctx.tickets.intake({ channel: 'phone', content: texts[i % 6]!, contact: `1380000${1000 + (i % 9000)}` }, by, 'api'));
{
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  main0 = mainThreadUs();
  let next = 0;
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (next < N) { const i = next++; await ctx.tickets.intake({ channel: 'phone', content: texts[i % 6]!, contact: `1390000${1000 + (i % 9000)}` }, by, 'api'); }
  }));
  report('intake, 10 concurrent', t0, c0);
}
const sample = await ctx.tickets.intake({ channel: 'phone', content: '象湖镇红都大道路灯不亮', contact: '13800001234' }, by, 'api');
const store = (ctx as unknown as { ticketStore: TicketStore }).ticketStore;
await time('findDuplicates', () => findDuplicates(store, sample.ticket, sample.classification, new Date()));
}
if (process.env.INJECT || process.env.ONLY_INJECT) {
  const { buildApp } = await import('../../src/web/app.js');
  const app = await buildApp(ctx);
  let inIntake = 0;
  if (process.env.SPLIT) {
    const orig = ctx.tickets.intake.bind(ctx.tickets);
    ctx.tickets.intake = async (...a: Parameters<typeof orig>) => {
      const t0 = performance.now();
      try {
        return await orig(...a);
      } finally {
        inIntake += performance.now() - t0;
      }
    };
    process.on('beforeExit', () => console.log(`inside intake during inject: ${((inIntake / N) * 1000).toFixed(0)} µs/op wall`));
  }
  const user = await ctx.auth.addUser({ name: 'bench', role: 'operator' });
  const token = await ctx.auth.issueToken(user.id);
  await time('POST /api/v1/tickets (inject)', (i) =>
    app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { authorization: `Bearer ${token}` }, payload: { channel: 'phone', content: texts[i % 6]!, contact: `1370000${1000 + (i % 9000)}` } }).then((r) => {
      if (r.statusCode !== 201) throw new Error(r.body);
    }),
  );
  await app.close();
}
await ctx.close();
