import closeWithGrace from 'close-with-grace';
import type { Config } from './config.js';
import { createLogger, logDestination } from './logger.js';
import { createContainer } from './composition/container.js';
import { buildApp } from './web/app.js';
import { mkdirSync } from 'node:fs';
import { seed } from './application/seed.js';
import { seedDemoRosters } from './application/paging/demo.js';
import { loadClassifier } from '../adapters/fs-config/routing.js';
import type { ClassifierPort } from './application/ports/routing.js';
import { seedDemoHistory } from './application/demo/history.js';
import { seedGridDemo } from './application/grid/demo.js';
import { seedAssistDemo } from './application/tickets/assist-demo.js';
import { seedKnowledgeDemo } from './application/knowledge/demo.js';
import { MOCK_PUPPET, mockChatRoutes, type MockChatHolder } from '../adapters/wechaty/mock-chat.js';
import { loadDemoHistorySamples, loadDemoKnowledge } from '../adapters/fs-config/demo-data.js';

/** Start the service: database, job runner, HTTP. Shuts down gracefully on SIGTERM/SIGINT. */
export async function startServer(config: Config, opts: { demo?: boolean } = {}) {
  const started = Date.now();
  const phases = startupPhases();
  // Human-readable on a terminal, JSON lines otherwise.
  const log = createLogger(config.logLevel, logDestination());
  // The classifier (jieba's dictionary and two models trained from config/routing-examples.jsonl,
  // about a second of CPU) is built after the app, not inside the container: in the demo, argon2 is
  // hashing the demo passwords on the thread pool by then, and the two overlap. Complete before listening.
  let classifier: ClassifierPort | null = null;
  const buildClassifier = () => (classifier ??= loadClassifier(config.dutyList, config.classifyThreshold, config.routingModel));
  // With worker threads the classifier loads there, beside everything else (adapters/threads).
  const ctx = await createContainer(config, log, config.classifyWorkers ? {} : { classifier: { classify: (text) => buildClassifier().classify(text) } });
  phases.mark('container');
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  let bot: { stop(): Promise<void> } | null = null;
  let grace: { uninstall(): void } | null = null;
  // The demo's mock WeChat bot takes citizens' messages through the simulator's API (only on the mock puppet).
  const mockChat: MockChatHolder | null = config.wechaty.puppet === MOCK_PUPPET ? { chat: null } : null;
  try {
    // argon2 hashes the demo passwords on the thread pool (about 1.5 s of CPU) while this thread builds
    // the app and the classifier; buildApp awaits plugin by plugin, which lets the seed get there.
    const seeding = opts.demo ? seed(ctx, true) : null;
    // Awaited below; this only keeps a failure meanwhile from leaving it unhandled.
    seeding?.catch(() => undefined);
    mkdirSync('data/media', { recursive: true });
    app = await buildApp(ctx, { requestLogLevel: opts.demo ? 'debug' : 'info', plugins: mockChat ? [mockChatRoutes(mockChat)] : [] });
    phases.mark('app');
    const live = app;
    // Registered as soon as there is an app to close: a SIGTERM during the rest of the start (the demo
    // seed, the classifier, the seconds wechaty takes) still closes HTTP and the database.
    grace = closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
      if (err) log.error({ err }, 'shutting down after an error');
      else log.info({ signal }, 'shutting down');
      // app.close() waits for every connection; a keep-alive connection busy when closing began turns
      // idle only after its answer, and would otherwise hold the exit until the keep-alive timeout.
      const reap = setInterval(() => live.server.closeIdleConnections(), 100);
      try {
        await live.close();
      } finally {
        clearInterval(reap);
      }
      await bot?.stop();
      await ctx.close();
    });
    // On a worker thread the classifier loads beside the rest of the start (requests wait for it;
    // /readyz says so); on this thread it is built now, before the port opens.
    if (!config.classifyWorkers) {
      buildClassifier();
      phases.mark('classifier');
    }

    ctx.runner.start();
    // The periodic sweeps re-enqueue themselves; started here (not in the container) so tests drive them by hand.
    await ctx.supervision.schedule();
    await ctx.hotspots.schedule();
    await live.listen({ host: config.host, port: config.port });
    phases.mark('listen');
    if (seeding) {
      const r = await seeding;
      if (r.createdUsers.length) {
        console.log('\n演示账号 demo users (passwords shown once):');
        for (const u of r.createdUsers) console.log(`  ${u.role.padEnd(10)} ${u.name.padEnd(11)} ${u.password}${u.unit ? '  (' + u.unit + ')' : ''}`);
      } else console.log('\n演示账号已存在 (demo users exist; passwords were printed on the first run; delete ./data to start over)');
      const rostered = await seedDemoRosters(ctx);
      if (rostered.length) console.log(`演示值班表 demo duty rosters: ${rostered.join('、')}`);
      const history = await seedDemoHistory({ ...ctx, samples: () => loadDemoHistorySamples() });
      if (history.seeded) console.log(`演示历史 demo history: ${history.tickets} 件样例工单（近 60 天，标注「演示数据」）${history.ms} ms`);
      const gridDemo = await seedGridDemo(ctx);
      if (gridDemo.seeded.length) console.log(`演示网格员/市长热线日/媒体 demo grid, mayor day, media: ${gridDemo.seeded.join('、')}`);
      const assistDemo = await seedAssistDemo(ctx);
      if (assistDemo.seeded.length) console.log(`演示协办/应急联动 demo 协办 and 联动: ${assistDemo.seeded.join('、')}`);
      const kbDemo = await seedKnowledgeDemo(ctx.knowledge, ctx.clock.now(), () => loadDemoKnowledge());
      if (kbDemo.seeded) console.log(`演示知识库 demo knowledge base: ${kbDemo.seeded} 条示例知识（标注「示例」）`);
      phases.mark('demo seed');
    }
    // The knowledge index is read in slices in the background now, so the first caller's question
    // does not wait for it.
    ctx.knowledge.warm().catch((err: unknown) => log.error({ err }, 'knowledge index could not be built; searches will try again'));
    // In the demo the banner below is for a person reading a terminal; the phases would land in it.
    const startup = { startup: phases.done() };
    const startupMsg = 'start-up: wall and CPU ms per phase (CPU of all threads; "modules" counts from process start)';
    if (opts.demo) log.debug(startup, startupMsg);
    else log.info(startup, startupMsg);
    const url = config.publicUrl;
    console.log(`\nSuban 速办 is up on ${ctx.db.dialect}: ${Date.now() - started} ms to start, ${Math.round(process.uptime() * 1000)} ms since the process began`);
    console.log(`  console: ${url}/`);
    console.log(`  API docs: ${url}/docs`);
    if (opts.demo) {
      const cli = 'npm run --silent suban --';
      console.log('\n试一试 try this:');
      console.log(`  1. 打开话务台 open the console: ${url}/  (用户 operator 登录)`);
      console.log(`  2. 模拟来电 place a call (弹屏到话务台): ${cli} call --from 13800000000 --press 1 --say "红都大道有井盖丢了"`);
      if (mockChat) console.log(`  3. 给微信机器人发消息 message the mock WeChat bot: ${cli} wechat --say "小区门口的路灯坏了"`);
    }
  } catch (err) {
    // A start that fails half-way (the port is taken) must not leave the job runner and the
    // database open, keeping the process alive after the error is printed. Closed here, once: the
    // graceful-close handler would run again at exit and turn the failure into exit code 0.
    grace?.uninstall();
    await app?.close().catch(() => undefined);
    await ctx.close().catch(() => undefined);
    throw err;
  }
  // The WeChat bot keeps a session with its puppet and answers citizens through the same conversation
  // engine. wechaty takes seconds to load, so it starts after the service is already answering.
  if (config.wechaty.puppet) {
    try {
      const { startWechatyBot } = await import('../adapters/wechaty/bot.js');
      const { startMockChatBot } = await import('../adapters/wechaty/mock-chat.js');
      // The bot gets what its conversation needs, paging's WeChat acknowledgements, its settings and the log.
      const botDeps = { ...ctx.conversation, config: ctx.config, log: ctx.log, paging: ctx.paging };
      const chat = mockChat ? await startMockChatBot(botDeps, { mediaDir: 'data/media' }) : null;
      if (mockChat) mockChat.chat = chat;
      const started = chat?.handle ?? (await startWechatyBot(botDeps, { mediaDir: 'data/media' }));
      bot = started;
      // From now on the 回访 question, ticket notices and pages on the `wechat` escalation channel reach people through the bot.
      ctx.chat.attach('wechat', started);
      log.info({ puppet: config.wechaty.puppet }, 'WeChat bot started');
    } catch (err) {
      log.error({ err }, 'WeChat bot did not start; the other channels keep working');
    }
  }
  return { app, ctx };
}

/** Where start-up time goes: wall and CPU milliseconds per phase, the first from process start to startServer. */
function startupPhases() {
  const phases: Record<string, { ms: number; cpuMs: number }> = {};
  const cpuMs = (c: NodeJS.CpuUsage) => Math.round((c.user + c.system) / 1000);
  let wall = performance.now();
  let cpu = process.cpuUsage();
  phases.modules = { ms: Math.round(wall), cpuMs: cpuMs(cpu) };
  return {
    mark(name: string) {
      const now = performance.now();
      phases[name] = { ms: Math.round(now - wall), cpuMs: cpuMs(process.cpuUsage(cpu)) };
      wall = now;
      cpu = process.cpuUsage();
    },
    done: () => phases,
  };
}
