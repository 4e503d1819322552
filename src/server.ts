import closeWithGrace from 'close-with-grace';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { createContainer } from './container.js';
import { buildApp } from './web/app.js';
import { mkdirSync } from 'node:fs';
import { seed } from './application/seed.js';
import { seedDemoRosters } from './application/paging/demo.js';
import { startWechatyBot } from '../adapters/wechaty/bot.js';
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
  // The WeChat bot keeps a session with its puppet; it answers citizens through the same conversation engine.
  const bot = config.wechaty.puppet ? await startWechatyBot(ctx, { mediaDir: 'data/media' }) : null;
  if (bot) ctx.setFollowupChat(chatOutbox({ 'wechat-mp': config.wechatMp.token ? ctx.wechatMp : null, wechat: bot }));
  ctx.runner.start();
  // The periodic sweeps re-enqueue themselves; started here (not in the container) so tests drive them by hand.
  await ctx.supervision.schedule();
  await ctx.hotspots.schedule();
  await app.listen({ host: config.host, port: config.port });
  const url = config.publicUrl;
  console.log(`\nSuban 速办 is up in ${Date.now() - started} ms on ${ctx.db.dialect}`);
  console.log(`  console: ${url}/`);
  console.log(`  API docs: ${url}/docs`);
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info({ signal }, 'shutting down');
    await app.close();
    await bot?.stop();
    await ctx.close();
  });
  return { app, ctx };
}
