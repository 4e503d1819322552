/**
 * A real `suban serve` in a child process (`node dist/suban.cjs serve`, the bundle `npm start`
 * runs, rebuilt first when older than the sources: test/helpers/bundle.ts), the way an operations
 * team runs it: its own port, its own environment, readiness by `/healthz`, and an
 * end by SIGTERM (graceful) or SIGKILL (a crash). Reliability tests start one or two of these on
 * one database and look at what survives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBundle } from './bundle.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeProcess {
  name: string;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Everything it wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** Sends the signal and waits for the exit; at once when it has exited already. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** True until the process exited. */
  alive(): boolean;
}

export interface ServeOptions {
  /** Merged over the parent's environment; SUBAN_PORT and SUBAN_HOST are set by this helper. */
  env: Record<string, string>;
  name?: string;
  /** Use this port (a restart on the same address); default a free one. */
  port?: number;
  /** How long the process may take to answer /healthz (a loaded 2-core machine: be generous). */
  readyTimeoutMs?: number;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `suban serve` and waits for /healthz; killed with SIGKILL at teardown if still running. */
export async function startServe(t: Teardown, opts: ServeOptions): Promise<ServeProcess> {
  const port = opts.port ?? (await freePort());
  const name = opts.name ?? `suban:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, SUBAN_LOG_LEVEL: 'warn', ...opts.env, SUBAN_HOST: '127.0.0.1', SUBAN_PORT: String(port) };
  // tap's own variables would make a child that happens to load tap think it is a test.
  for (const k of Object.keys(env)) if (k.startsWith('TAP')) delete env[k];
  // Not through tsx: a restart mid-test would spend seconds transforming the sources again.
  const bundle = await ensureBundle();
  const child = spawn(process.execPath, [bundle, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let done = false;
  const exited = new Promise<Exit>((r) =>
    child.once('exit', (code, signal) => {
      done = true;
      r({ code, signal });
    }),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!done) child.kill(signal);
    return exited;
  };
  t.teardown(() => stop('SIGKILL'));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (done) throw new Error(`${name} exited before it was ready:\n${out.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready after ${opts.readyTimeoutMs ?? 90_000} ms:\n${out.slice(-4000)}`);
    }
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(100);
  }
  return { name, pid: child.pid!, port, url, child, exited, output: () => out, stop, alive: () => !done };
}
