/**
 * A benchmark target in its own process: `suban` on a fresh database, or a bare Fastify JSON echo
 * (the baseline). Prints one JSON line {port, token} when ready.
 */
import Fastify from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { buildApp } from '../../src/web/app.js';
import { seed } from '../../src/application/seed.js';

const kind = process.argv[2] ?? 'sqlite';

async function startProfile(): Promise<(dir: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync, mkdirSync: mkdir } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (dir) => {
    const { profile } = await session.post('Profiler.stop');
    mkdir(dir, { recursive: true });
    writeFileSync(join(dir, `serve-${kind}-${process.pid}.cpuprofile`), JSON.stringify(profile));
  };
}

if (kind === 'echo') {
  const app = Fastify();
  app.post('/echo', async (req) => ({ ok: true, body: req.body }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port }));
} else {
  const schema = `bench_${process.pid}`;
  const url = kind === 'pg' ? (process.env.SUBAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test') : `sqlite:${join(mkdtempSync(join(tmpdir(), 'suban-bench-')), 'bench.db')}`;
  const config = loadConfig({ DATABASE_URL: url, SUBAN_LOG_LEVEL: 'warn', SUBAN_DB_POOL: '10', ...(process.env.SUBAN_CLASSIFY_WORKERS ? { SUBAN_CLASSIFY_WORKERS: process.env.SUBAN_CLASSIFY_WORKERS } : {}) });
  const ctx = await createContainer(config, createLogger('warn'), { pgSchema: kind === 'pg' ? schema : undefined });
  await seed(ctx, false);
  const user = await ctx.auth.addUser({ name: 'bench', role: 'operator' });
  const token = await ctx.auth.issueToken(user.id);
  const app = await buildApp(ctx);
  // As `suban serve` does: the classifier's worker has loaded it before the port opens.
  await ctx.classifierReady();
  await app.listen({ port: 0, host: '127.0.0.1' });
  // BENCH_PROFILE_DIR: a CPU profile of the serving only (start-up excluded), written at SIGTERM.
  const profile = process.env.BENCH_PROFILE_DIR ? await startProfile() : null;
  // BENCH_LOOP_DELAY=1: how long the event loop was blocked (the tail of the latency), on stderr at SIGTERM.
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const loopDelay = process.env.BENCH_LOOP_DELAY ? monitorEventLoopDelay({ resolution: 1 }) : null;
  loopDelay?.enable();
  console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port, token }));
  process.on('SIGTERM', async () => {
    if (profile) await profile(process.env.BENCH_PROFILE_DIR!);
    if (loopDelay) console.error(`event loop delay (${kind}): p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`);
    await app.close();
    if (kind === 'pg') await ctx.db.pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await ctx.close();
    process.exit(0);
  });
}
