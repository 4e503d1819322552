/**
 * `suban <command>`: serve, demo, migrate, seed, user add, classify, train, eval, config.
 * Run as `npm run --silent suban -- <command>`.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type { Config } from './config.js';
import { AppError } from './domain/errors.js';
import { ROLES, type Role } from './domain/policy.js';

/** Whether a package can be loaded from here (dev dependencies are missing from a production install). */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

const USAGE = `用法 usage: suban <command>
  serve                      start the service
  demo                       migrate, seed demo data and serve on embedded SQLite with the simulated phone/SMS provider
  migrate                    apply database migrations
  seed [--demo]              load the units of 附件1 (and demo users)
  user add <name> --role <operator|unit|supervisor|admin|grid|media> [--unit <unit>] [--township <乡镇> --grid <网格>] [--password <pw>] [--token-days <n>]
                             add a user; prints an API token once (expiring after n days when given)
  user disable <name>        disable a user: no login, its tokens stop working, its sessions end
  user enable <name>         enable a disabled user
  user reset-password <name> set a new password that follows the rules; prints it once
  user unlock <name>         lift the login lock that wrong passwords put on a user
  classify [--model <m>]     JSON lines {"id","text"[,"title","place"]} on stdin → one JSON line per input on stdout
  train --in <file> --out <model.json> [--seed N] [--no-builtin-examples]
                             train a unit model on the city's own history (CSV, XLSX or JSON lines)
  eval --in <file> [--model <m>] [--folds k] [--json]
                             accuracy, top-3, manual-queue share, per-unit precision/recall, confused pairs
  open311 add-client <name>  register an Open311 client app; prints its api_key once
  unit contacts <unit> [--head 姓名,电话] [--deputy 姓名,电话] [--office 电话]
                             show or set a unit's head, deputy and office phone ("-" clears one)
  duty coverage [--days n]   units without a reachable 24-hour duty person in the coming n (7) days
  config --markdown          print the configuration table
  flows check [--dir <dir>]  validate the IVR flows (exit code 1 on errors)
  call --from <number> [--press <keys>]... [--say <text>] [--hold <s>] [--server <url>] [--token <t>] [--local] [--json]
                             place a simulated call to the hotline through the running server (its desks
                             get the screen pop; a queued caller waits --hold (60) s for an operator);
                             token: --token, SUBAN_API_TOKEN, or a 5-minute one of the demo admin;
                             --local plays it in this process instead (no desk sees it)
  wechat --say <text> [--from <wxid>] [--server <url>] [--token <t>] [--json]
                             send a citizen's WeChat message to the running demo's mock bot and print its
                             replies (the same conversation goes on with the next --say from that --from)`;

/** Options that take a value: a `-h` right after one of them is that value, not a request for help. */
const VALUE_OPTIONS = new Set(['--role', '--unit', '--township', '--grid', '--password', '--display-name', '--token-days', '--model', '--in', '--out', '--folds', '--seed', '--model-weight', '--dir', '--from', '--press', '--say', '--hold', '--server', '--token', '--head', '--deputy', '--office', '--days']);

/** `--help` or `-h` among the arguments (before a `--`, and not as an option's value). */
function wantsHelp(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return false;
    if ((a === '--help' || a === '-h') && !(i > 0 && VALUE_OPTIONS.has(args[i - 1]!))) return true;
  }
  return false;
}

/**
 * The usage of one command, taken from USAGE: its entries (a line and its indented continuation),
 * narrowed to the subcommand when one is named (`user add`, `unit contacts`); null for a command
 * USAGE does not know.
 */
function commandUsage(cmd: string, sub?: string): string | null {
  const entries: string[][] = [];
  for (const line of USAGE.split('\n').slice(1)) {
    if (/^  \S/.test(line)) entries.push([line]);
    else entries.at(-1)?.push(line);
  }
  const mine = entries.filter((e) => e[0]!.trim().split(/\s+/)[0] === cmd);
  if (!mine.length) return null;
  const narrowed = sub && !sub.startsWith('-') ? mine.filter((e) => e[0]!.trim().split(/\s+/)[1] === sub) : [];
  return `用法 usage: suban\n${(narrowed.length ? narrowed : mine).map((e) => e.join('\n')).join('\n')}`;
}

async function main(argv: string[]) {
  const [cmd, ...rest] = argv;
  // --help / -h: the usage on stdout and exit 0, before any configuration or database is touched
  // (`suban serve --help` must not start a server).
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    if (cmd === undefined) console.error(USAGE);
    else console.log(USAGE);
    return;
  }
  if (wantsHelp(rest)) {
    const usage = commandUsage(cmd, rest[0]);
    if (usage) {
      console.log(usage);
      return;
    }
  }
  // loaded after the help check: `--help` answers at once, without the service's modules
  const [{ loadConfig, configMarkdown, cliEnv }, { seed }, { startServer }] = await Promise.all([import('./config.js'), import('./application/seed.js'), import('./server.js')]);
  const env = cliEnv();
  switch (cmd) {
    case 'serve':
      return startServer(loadConfig());
    case 'demo': {
      // wechaty-puppet-mock is a dev dependency: a clone's `npm ci` has it, the Docker image (production
      // dependencies only) does not, and there the demo runs without the simulated WeChat contact.
      const demo = env.demo(() => installed('wechaty-puppet-mock'));
      if (demo.noMock) console.warn('wechaty-puppet-mock 未安装(开发依赖,Docker 镜像中没有):演示不启动模拟微信 bot,其余渠道照常。');
      return startServer(demo.config(), { demo: true });
    }
    case 'migrate': {
      const c = await container(loadConfig());
      console.log(`migrations applied (${c.db.dialect})`);
      return c.close();
    }
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' } } });
      const c = await container(loadConfig());
      const r = await seed(c, !!values.demo);
      console.log(`units: ${r.units}`);
      for (const u of r.createdUsers) console.log(`user ${u.name} (${u.role}${u.unit ? ' ' + u.unit : ''}) password: ${u.password}`);
      return c.close();
    }
    case 'user': {
      const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { role: { type: 'string' }, unit: { type: 'string' }, township: { type: 'string' }, grid: { type: 'string' }, password: { type: 'string' }, 'display-name': { type: 'string' }, 'token-days': { type: 'string' } } });
      if (['disable', 'enable', 'reset-password', 'unlock'].includes(positionals[0] ?? '')) {
        if (!positionals[1]) throw new UsageError(`user ${positionals[0]} <name>`);
        const c = await container(loadConfig());
        try {
          const u = await c.users.byName(positionals[1]);
          if (!u) throw new AppError('not_found', 'user_not_found', `用户 ${positionals[1]} 不存在`);
          if (positionals[0] === 'reset-password') console.log(`new password for ${u.name} (shown once, hand it over in person): ${await c.auth.resetPassword(u.id, 'cli')}`);
          else if (positionals[0] === 'unlock') console.log(`user ${u.name}: ${(await c.auth.unlockLogin(u.id, 'cli')).wasLocked ? 'login lock lifted' : 'was not locked'}`);
          else {
            await c.auth.setDisabled(u.id, positionals[0] === 'disable', 'cli');
            console.log(`user ${u.name} ${positionals[0]}d`);
          }
        } finally {
          await c.close();
        }
        return;
      }
      if (positionals[0] !== 'add' || !positionals[1] || !values.role) throw new UsageError('user add <name> --role <role> [--unit <unit>] | user disable|enable|reset-password|unlock <name>');
      const tokenDays = values['token-days'] ? Number(values['token-days']) : null;
      if (tokenDays !== null && !(Number.isInteger(tokenDays) && tokenDays > 0)) throw new UsageError('--token-days must be a whole number of days');
      if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const c = await container(loadConfig());
      try {
        await seed(c, false);
        const u = await c.auth.addUser({ name: positionals[1], role: values.role as Role, unit: values.unit ?? null, township: values.township ?? null, gridArea: values.grid ?? null, password: values.password ?? null, displayName: values['display-name'] ?? null });
        const token = await c.auth.issueToken(u.id, { expiresAt: tokenDays ? new Date(c.clock.now().getTime() + tokenDays * 86400_000) : null });
        console.log(`user ${u.name} added (${u.role}${u.unit ? ', ' + u.unit : ''}${u.township ? `, ${u.township} ${u.gridArea ?? ''}` : ''})`);
        console.log(`API token (shown once, store it now): ${token}`);
      } finally {
        await c.close();
      }
      return;
    }
    case 'classify': {
      const { values } = parseArgs({ args: rest, options: { model: { type: 'string' } } });
      const { runClassify } = await import('./cli/classify.js');
      const { loadClassifier } = await import('../adapters/fs-config/routing.js');
      const cfg = loadConfig();
      return runClassify(process.stdin, process.stdout, loadClassifier(cfg.dutyList, cfg.classifyThreshold, values.model ?? cfg.routingModel));
    }
    case 'train':
    case 'eval': {
      const { values } = parseArgs({
        args: rest,
        options: {
          in: { type: 'string' },
          out: { type: 'string' },
          model: { type: 'string' },
          folds: { type: 'string' },
          seed: { type: 'string' },
          'model-weight': { type: 'string' },
          'no-builtin-examples': { type: 'boolean' },
          json: { type: 'boolean' },
        },
      });
      const num = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0) throw new UsageError(`${cmd}: --${name} must be a non-negative number`);
        return n;
      };
      const cfg = loadConfig();
      const { runTrain, runEval } = await import('./cli/routing-model.js');
      const ctx = { dutyListPath: cfg.dutyList, threshold: cfg.classifyThreshold, configuredModel: cfg.routingModel, out: process.stdout };
      const builtinExamples = !values['no-builtin-examples'];
      if (cmd === 'train') {
        if (!values.in || !values.out) throw new UsageError('train --in <history.csv|xlsx|jsonl> --out <model.json> [--seed N] [--no-builtin-examples] [--model-weight W]');
        return runTrain({ in: values.in, out: values.out, seed: num(values.seed, 'seed'), builtinExamples, modelWeight: num(values['model-weight'], 'model-weight') }, ctx);
      }
      if (!values.in) throw new UsageError('eval --in <history.csv|xlsx|jsonl> [--model <model.json>] [--folds k] [--json]');
      return runEval({ in: values.in, model: values.model, folds: num(values.folds, 'folds'), json: !!values.json, seed: num(values.seed, 'seed'), builtinExamples }, ctx);
    }
    case 'open311': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true });
      if (positionals[0] !== 'add-client' || !positionals[1]) throw new UsageError('open311 add-client <name>');
      const c = await container(loadConfig());
      try {
        const { Open311Store } = await import('./application/platforms/open311.js');
        const key = await new Open311Store(c.state, () => c.clock.now()).registerClient(positionals[1]);
        console.log(`Open311 client ${positionals[1]} registered. api_key (shown once): ${key}`);
      } finally {
        await c.close();
      }
      return;
    }
    case 'unit':
    case 'duty': {
      const { unitContacts, dutyCoverage, ContactsUsageError } = await import('./cli/unit-contacts.js');
      const [sub, ...args] = rest;
      if (!(cmd === 'unit' ? sub === 'contacts' : sub === 'coverage')) throw new UsageError(cmd === 'unit' ? 'unit contacts <unit> [--head 姓名,电话] [--deputy 姓名,电话] [--office 电话]' : 'duty coverage [--days n]');
      const c = await container(loadConfig());
      try {
        await seed(c, false);
        if (cmd === 'unit') await unitContacts(args, c.duty, process.stdout);
        else await dutyCoverage(args, c.duty, c.clock.now(), process.stdout);
      } catch (e) {
        throw e instanceof ContactsUsageError ? new UsageError(e.message) : e;
      } finally {
        await c.close();
      }
      return;
    }
    case 'config':
      console.log(configMarkdown());
      return;
    case 'flows': {
      const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { dir: { type: 'string' } } });
      if (positionals[0] !== 'check') throw new UsageError('flows check [--dir <dir>]');
      const { flowsCheck } = await import('./application/voice/cli-commands.js');
      const { flowDirectory } = await import('../adapters/fs-config/flow-files.js');
      process.exitCode = flowsCheck(flowDirectory(values.dir ?? loadConfig().flowsDir), process.stdout);
      return;
    }
    case 'call': {
      const { values } = parseArgs({ args: rest, options: { from: { type: 'string' }, press: { type: 'string', multiple: true }, say: { type: 'string' }, json: { type: 'boolean' }, hold: { type: 'string' }, server: { type: 'string' }, token: { type: 'string' }, local: { type: 'boolean' } } });
      if (!values.from) throw new UsageError('call --from <number> [--press <keys>]... [--say <text>] [--hold <s>] [--server <url>] [--token <t>] [--local]');
      const press = (values.press ?? []).flatMap((p) => p.split(','));
      const holdSec = values.hold === undefined ? 60 : Number(values.hold);
      if (!Number.isFinite(holdSec) || holdSec < 0 || holdSec > 120) throw new UsageError('call: --hold must be 0–120 seconds');
      // Always the simulator: a test call from the CLI must never ring or text a real phone.
      const cfg = env.simulator();
      if (!values.local) {
        const { localServerUrl, serverRunning, remoteCall, RemoteCallError } = await import('./cli/call-remote.js');
        const base = (values.server ?? localServerUrl(cfg.host, cfg.port)).replace(/\/+$/, '');
        if (!(await serverRunning(base))) {
          console.error(`没有运行中的服务 (no Suban server answers at ${base}): 话务台无法弹屏。先运行 npm run demo（或 suban serve），再拨打；` + `或加 --server <url> 指向它；加 --local 只在本进程内模拟 (no desk sees a --local call).`);
          process.exitCode = 1;
          return;
        }
        // Ctrl+C while the caller waits in the queue: the caller hangs up, the report still prints.
        let onInt: () => void = () => undefined;
        const abort = new Promise<void>((r) => (onInt = () => r()));
        process.once('SIGINT', onInt);
        const { token, done } = await callToken(values.token ?? env.apiToken, cfg);
        try {
          process.exitCode = await remoteCall({ base, token, from: values.from, press, ...(values.say ? { say: values.say } : {}), holdSec, json: !!values.json, abort }, process.stdout);
        } catch (e) {
          if (e instanceof RemoteCallError) {
            console.error(e.message);
            process.exitCode = 1;
            return;
          }
          throw e;
        } finally {
          process.off('SIGINT', onInt);
          await done();
        }
        return;
      }
      const { simulateCall } = await import('./application/voice/cli-commands.js');
      const c = await container(cfg);
      try {
        await seed(c, false);
        await c.calls.start();
        process.exitCode = await simulateCall({ sim: c.simVoice!, voice: c.calls, bus: c.bus, sms: c.simSms }, { from: values.from, press, say: values.say, json: values.json }, process.stdout);
      } finally {
        await c.close();
      }
      return;
    }
    case 'wechat': {
      const { values } = parseArgs({ args: rest, options: { say: { type: 'string' }, from: { type: 'string' }, server: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } } });
      if (!values.say) throw new UsageError('wechat --say <text> [--from <wxid>] [--server <url>] [--token <t>]');
      const cfg = env.simulator();
      const { localServerUrl, serverRunning, remoteWechat, RemoteCallError } = await import('./cli/call-remote.js');
      const base = (values.server ?? localServerUrl(cfg.host, cfg.port)).replace(/\/+$/, '');
      if (!(await serverRunning(base))) {
        console.error(`没有运行中的服务 (no Suban server answers at ${base}): 先运行 npm run demo，再给它的微信机器人发消息；或加 --server <url> 指向它`);
        process.exitCode = 1;
        return;
      }
      const { token, done } = await callToken(values.token ?? env.apiToken, cfg);
      try {
        process.exitCode = await remoteWechat({ base, token, text: values.say, ...(values.from ? { from: values.from } : {}), json: !!values.json }, process.stdout);
      } catch (e) {
        if (!(e instanceof RemoteCallError)) throw e;
        console.error(e.message);
        process.exitCode = 1;
      } finally {
        await done();
      }
      return;
    }
    default:
      console.error(USAGE);
      process.exitCode = cmd ? 2 : 0;
  }
}

class UsageError extends Error {}

/** The demo admin's user name (seed.ts): without a token of their own, `suban call` acts as that user. */
const DEMO_ADMIN = 'admin';

/**
 * The API token `suban call` uses on a running server: the one given, or else a 5-minute token of the
 * demo admin, issued through the database (whoever runs the CLI on the database can add users and
 * tokens anyway) and revoked when the call ends. Without either the command says how to get one.
 */
async function callToken(given: string | undefined, cfg: Config): Promise<{ token: string; done: () => Promise<void> }> {
  if (given) return { token: given, done: async () => undefined };
  const c = await container(cfg);
  try {
    const admin = await c.users.byName(DEMO_ADMIN);
    if (!admin || admin.role !== 'admin' || admin.disabled) {
      throw new UsageError('call: 需要 API 令牌 (an API token is needed): --token <t> or SUBAN_API_TOKEN; `suban user add <name> --role operator` prints one');
    }
    const token = await c.auth.issueToken(admin.id, { expiresAt: new Date(c.clock.now().getTime() + 5 * 60_000) });
    const { tokenId, sha256 } = await import('./application/auth.js');
    const id = tokenId(sha256(token));
    return {
      token,
      done: async () => {
        try {
          await c.auth.revokeToken(admin.id, id, 'cli');
        } finally {
          await c.close();
        }
      },
    };
  } catch (e) {
    await c.close();
    throw e;
  }
}

async function container(cfg: Config) {
  const [{ createContainer }, { createLogger }, { cliEnv }] = await Promise.all([import('./composition/container.js'), import('./logger.js'), import('./config.js')]);
  return createContainer(cfg, createLogger(cliEnv().logLevel));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) console.error(`usage: suban ${e.message}`);
  else if (e instanceof AppError) console.error(`错误 ${e.code}: ${e.message}`);
  else console.error(e instanceof Error ? e.message : e);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
