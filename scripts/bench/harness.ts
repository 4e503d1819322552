import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpus, totalmem } from 'node:os';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface Target {
  proc: ChildProcess;
  port: number;
  token?: string;
  stop(): Promise<void>;
}

/** Start a target process (see serve-target.ts) and wait for its ready line. */
export async function startTarget(kind: string): Promise<Target> {
  const proc = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprof'] : []), '--import', 'tsx', 'scripts/bench/serve-target.ts', kind], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const rl = createInterface({ input: proc.stdout! });
  // The target's logs share stdout: wait for the line that announces the port.
  const info = await new Promise<{ port: number; token?: string }>((resolve, reject) => {
    rl.on('line', (line) => {
      try {
        const j = JSON.parse(line) as { port?: number; token?: string };
        if (typeof j.port === 'number') resolve(j as { port: number });
      } catch {
        /* a log line */
      }
    });
    proc.once('exit', (c) => reject(new Error(`target ${kind} exited ${c}`)));
  });
  return {
    proc,
    ...info,
    stop: () =>
      new Promise((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export interface Result {
  /** CPU time the target process spent per request (user + system, µs), when its pid was given. */
  cpuUs?: number;
  /** The same for its main thread alone (the one that serves HTTP; worker threads run beside it). */
  mainCpuUs?: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

/** user + system CPU time of a process so far, in µs (Linux /proc). */
export function cpuTimeUs(pid: number, thread?: number): number {
  const fields = readFileSync(thread ? `/proc/${pid}/task/${thread}/stat` : `/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the command name: state is field 3, utime 14 and stime 15 (1-based), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/**
 * Load a target with autocannon. With the target's pid, also the CPU time it spent per request:
 * on a shared machine that figure moves much less than throughput does.
 */
export async function load(opts: autocannon.Options, pid?: number): Promise<Result> {
  const c0 = pid ? cpuTimeUs(pid) : 0;
  const m0 = pid ? cpuTimeUs(pid, pid) : 0;
  const r = await autocannon({ connections: Number(process.env.BENCH_CONNECTIONS ?? 10), duration: 8, ...opts });
  const per = (us: number) => (pid && r.requests.total ? us / r.requests.total : undefined);
  const cpuUs = per(pid ? cpuTimeUs(pid) - c0 : 0);
  const mainCpuUs = per(pid ? cpuTimeUs(pid, pid) - m0 : 0);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, total: r.requests.total, cpuUs, mainCpuUs };
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/** What the Twilio benchmarks sign with and the service checks against. */
export const TWILIO_BENCH = { publicUrl: 'https://hotline.example.cn', authToken: 'bench-auth-token' } as const;

/**
 * The environment of a Twilio-voice service on a fresh SQLite file in a temporary directory, at the
 * production log level (a benchmark writes the lines nowhere, but formatting them stays in its figure).
 */
export function twilioBenchEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), prefix)), 'bench.db')}`,
    SUBAN_PUBLIC_URL: TWILIO_BENCH.publicUrl,
    SUBAN_LOG_LEVEL: 'info',
    SUBAN_VOICE: 'twilio',
    SUBAN_SMS: 'twilio',
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: TWILIO_BENCH.authToken,
    TWILIO_FROM: '+8612345000',
    ...extra,
  };
}
