/**
 * `suban <command>`: serve, demo, migrate, seed, user add, classify, config.
 * Run as `npm run --silent suban -- <command>`.
 */
import { parseArgs } from 'node:util';
import { loadConfig, configMarkdown, type Config } from './config.js';
import { createLogger } from './logger.js';
import { createContainer } from './container.js';
import { seed } from './application/seed.js';
import { startServer } from './server.js';
import { AppError } from './domain/errors.js';
import { ROLES, type Role } from './domain/policy.js';

const USAGE = `用法 usage: suban <command>
  serve                      start the service
  demo                       migrate, seed demo data and serve on embedded SQLite with the simulated phone/SMS provider
  migrate                    apply database migrations
  seed [--demo]              load the units of 附件1 (and demo users)
  user add <name> --role <operator|unit|supervisor|admin> [--unit <unit>] [--password <pw>]
                             add a user; prints an API token once
  classify                   JSON lines {"id","text"} on stdin → one JSON line per input on stdout
  config --markdown          print the configuration table`;

const UNITS_FILE = 'config/units.json';

async function main(argv: string[]) {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve':
      return startServer(loadConfig());
    case 'demo': {
      const env = { ...process.env, SUBAN_VOICE: process.env.SUBAN_VOICE ?? 'sim', SUBAN_SMS: process.env.SUBAN_SMS ?? 'sim' };
      const cfg = loadConfig(env);
      return startServer(cfg, { demo: true });
    }
    case 'migrate': {
      const c = await container(loadConfig());
      console.log(`migrations applied (${c.db.dialect})`);
      return c.close();
    }
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' } } });
      const c = await container(loadConfig());
      const r = await seed(c, UNITS_FILE, !!values.demo);
      console.log(`units: ${r.units}`);
      for (const u of r.createdUsers) console.log(`user ${u.name} (${u.role}${u.unit ? ' ' + u.unit : ''}) password: ${u.password}`);
      return c.close();
    }
    case 'user': {
      const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { role: { type: 'string' }, unit: { type: 'string' }, password: { type: 'string' }, 'display-name': { type: 'string' } } });
      if (positionals[0] !== 'add' || !positionals[1] || !values.role) throw new UsageError('user add <name> --role <role> [--unit <unit>]');
      if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const c = await container(loadConfig());
      try {
        await seed(c, UNITS_FILE, false);
        const u = await c.auth.addUser({ name: positionals[1], role: values.role as Role, unit: values.unit ?? null, password: values.password ?? null, displayName: values['display-name'] ?? null });
        const token = await c.auth.issueToken(u.id);
        console.log(`user ${u.name} added (${u.role}${u.unit ? ', ' + u.unit : ''})`);
        console.log(`API token (shown once, store it now): ${token}`);
      } finally {
        await c.close();
      }
      return;
    }
    case 'classify': {
      const { runClassify } = await import('./cli/classify.js');
      const { loadClassifier } = await import('./application/classifier.js');
      const cfg = loadConfig();
      return runClassify(process.stdin, process.stdout, loadClassifier(cfg.dutyList, cfg.classifyThreshold) as never);
    }
    case 'config':
      console.log(configMarkdown());
      return;
    default:
      console.error(USAGE);
      process.exitCode = cmd ? 2 : 0;
  }
}

class UsageError extends Error {}

async function container(cfg: Config) {
  return createContainer(cfg, createLogger(process.env.SUBAN_LOG_LEVEL ?? 'warn'));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) console.error(`usage: suban ${e.message}`);
  else if (e instanceof AppError) console.error(`错误 ${e.code}: ${e.message}`);
  else console.error(e instanceof Error ? e.message : e);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
