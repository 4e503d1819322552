import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';

export interface Target {
  proc: ChildProcess;
  port: number;
  token?: string;
  stop(): Promise<void>;
}

/** Start a target process (see serve-target.ts) and wait for its ready line. */
export async function startTarget(kind: string): Promise<Target> {
  const proc = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprof'] : []), '--import', 'tsx', 'scripts/bench/serve-target.ts', kind], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
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
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

export async function load(opts: autocannon.Options): Promise<Result> {
  const r = await autocannon({ connections: 10, duration: 8, ...opts });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, total: r.requests.total };
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}
