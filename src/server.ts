import closeWithGrace from 'close-with-grace';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { createContainer } from './container.js';
import { buildApp } from './web/app.js';
import { mkdirSync } from 'node:fs';
import { seed } from './application/seed.js';
import { seedDemoRosters } from './application/paging/demo.js';
import { chatOutbox } from './application/conversation/wiring.js';

/** Start the service: database, job runner, HTTP. Shuts down gracefully on SIGTERM/SIGINT. */
export async function startServer(config: Config, opts: { demo?: boolean } = {}) {
  const started = Date.now();
  const log = createLogger(config.logLevel);
  const ctx = await createContainer(config, log);
  if (opts.demo) {
    const r = await seed(ctx, 'config/units.json', true);
    if (r.createdUsers.length) {
      console.log('\n演示账号 demo users (passwords shown once):');
      for (const u of r.createdUsers) console.log(`  ${u.role.padEnd(10)} ${u.name.padEnd(11)} ${u.password}${u.unit ? '  (' + u.unit + ')' : ''}`);
    } else console.log('\n演示账号已存在 (demo users exist; passwords were printed on the first run; delete ./data to start over)');
    const rostered = await seedDemoRosters(ctx);
    if (rostered.length) console.log(`演示值班表 demo duty rosters: ${rostered.join('、')}`);
  }
  mkdirSync('data/media', { recursive: true });
  const app = await buildApp(ctx);

  ctx.runner.start();
  // The periodic sweeps re-enqueue themselves; started here (not in the container) so tests drive them by hand.
  await ctx.supervision.schedule();
  await ctx.hotspots.schedule();
  await app.listen({ host: config.host, port: config.port });
  const url = config.publicUrl;
  console.log(`\nSuban 速办 is up on ${ctx.db.dialect}: ${Date.now() - started} ms to start, ${Math.round(process.uptime() * 1000)} ms since the process began`);
  console.log(`  console: ${url}/`);
  console.log(`  API docs: ${url}/docs`);
  // The WeChat bot keeps a session with its puppet and answers citizens through the same conversation
  // engine. wechaty takes seconds to load, so it starts after the service is already answering.
  let bot: { stop(): Promise<void> } | null = null;
  if (config.wechaty.puppet) {
    try {
      const { startWechatyBot } = await import('../adapters/wechaty/bot.js');
      const started = await startWechatyBot(ctx, { mediaDir: 'data/media' });
      bot = started;
      ctx.setFollowupChat(chatOutbox({ 'wechat-mp': config.wechatMp.token ? ctx.wechatMp : null, wechat: started }));
      // Escalation steps on the `wechat` channel reach duty people through the bot from now on.
      ctx.paging.setWechat({
        send: async (to, text) => {
          await started.sendToContact(to, text);
          return { id: `wechat:${to}:${Date.now()}` };
        },
      });
      log.info({ puppet: config.wechaty.puppet }, 'WeChat bot started');
    } catch (err) {
      log.error({ err }, 'WeChat bot did not start; the other channels keep working');
    }
  }
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info({ signal }, 'shutting down');
    // app.close() waits for every connection; a keep-alive connection busy when closing began turns
    // idle only after its answer, and would otherwise hold the exit until the keep-alive timeout.
    const reap = setInterval(() => app.server.closeIdleConnections(), 100);
    try {
      await app.close();
    } finally {
      clearInterval(reap);
    }
    await bot?.stop();
    await ctx.close();
  });
  return { app, ctx };
}
