/**
 * Inbound event-socket connection (we dial FreeSWITCH on 8021): api, bgapi, originate and
 * channel events, surviving switch restarts.
 *
 * Replies without an id (`command/reply`, `api/response`) can only be matched in the order the
 * commands were written, so the socket keeps one FIFO of waiters. Background jobs are matched by
 * the Job-UUID we choose and send, so their results may arrive in any order. A reply that never
 * comes leaves the FIFO out of step with the socket: that connection is dropped and rebuilt.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { EslParser, eventFromFrame, encodeCommand, replyOk, type EslEvent, type EslFrame } from './esl-frame.js';
import { EslError } from './errors.js';
import { buildOriginateCommand, parseOriginateResult, type OriginateRequest, type OriginateResult } from './originate.js';

export interface EslLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const silentLogger: EslLogger = { info: () => {}, warn: () => {} };

export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export interface EslClientOptions {
  host: string;
  port: number;
  password: string;
  /** Channel events to receive besides BACKGROUND_JOB, e.g. CHANNEL_ANSWER CHANNEL_HANGUP DTMF. */
  events?: string[];
  reconnect?: Partial<ReconnectPolicy>;
  /** TCP connect plus authentication, per attempt. */
  connectTimeoutMs?: number;
  /** Wait for the immediate reply of api/bgapi/event commands. */
  commandTimeoutMs?: number;
  /** Wait for a BACKGROUND_JOB, when the call does not say otherwise. */
  jobTimeoutMs?: number;
  /** `sofia/gateway/<gateway>/<number>` is dialled for plain numbers when set. */
  gateway?: string;
  logger?: EslLogger;
}

export type EslClientState = 'idle' | 'connecting' | 'ready' | 'waiting' | 'failed' | 'closed';

export interface EslClientEvents {
  ready: [];
  disconnected: [{ reason: string }];
  reconnecting: [{ attempt: number; delayMs: number }];
  event: [EslEvent];
  protocol_error: [Error];
}

interface ReplyWaiter {
  resolve: (frame: EslFrame) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

interface JobWaiter {
  resolve: (body: string) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface BgapiResult {
  jobUuid: string;
  body: string;
}

export class EslClient extends EventEmitter<EslClientEvents> {
  private readonly opts: Required<Omit<EslClientOptions, 'gateway' | 'reconnect'>> & { gateway?: string };
  private readonly policy: ReconnectPolicy;
  private readonly subscriptions: Set<string>;
  private socket: net.Socket | null = null;
  private replies: ReplyWaiter[] = [];
  private readonly jobs = new Map<string, JobWaiter>();
  private stateValue: EslClientState = 'idle';
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private firstReady: { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } | null = null;
  /** Attempts made since the last successful authentication; exposed for health checks. */
  attempts = 0;

  constructor(options: EslClientOptions) {
    super();
    this.opts = {
      host: options.host,
      port: options.port,
      password: options.password,
      events: options.events ?? [],
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
      jobTimeoutMs: options.jobTimeoutMs ?? 90_000,
      gateway: options.gateway,
      logger: options.logger ?? silentLogger,
    };
    this.policy = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, ...options.reconnect };
    this.subscriptions = new Set(['BACKGROUND_JOB', ...this.opts.events]);
  }

  get state(): EslClientState {
    return this.stateValue;
  }

  /**
   * Resolves at the first successful authentication. Network failures are retried with backoff
   * in the meantime; a refused password rejects, because retrying it cannot help.
   */
  connect(): Promise<void> {
    if (this.stateValue === 'ready') return Promise.resolve();
    if (this.stateValue === 'closed') return Promise.reject(new EslError('esl_closed', 'FreeSWITCH 连接已关闭'));
    if (!this.firstReady) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.firstReady = { promise, resolve, reject };
    }
    if (this.stateValue === 'idle' || this.stateValue === 'failed') this.open();
    return this.firstReady.promise;
  }

  /** Adds event names; sent at once when connected and again after every reconnect. */
  async subscribe(...events: string[]): Promise<void> {
    const before = this.subscriptions.size;
    for (const e of events) this.subscriptions.add(e);
    if (this.stateValue === 'ready' && this.subscriptions.size !== before) await this.sendSubscriptions();
  }

  /** Runs an API command and returns its text output (which may itself start with `-ERR`). */
  async api(command: string, timeoutMs = this.opts.commandTimeoutMs): Promise<string> {
    const frame = await this.command(`api ${command}`, {}, timeoutMs);
    return frame.body;
  }

  /** Runs a command in a FreeSWITCH thread; resolves with the BACKGROUND_JOB body of the same Job-UUID. */
  async bgapi(command: string, timeoutMs = this.opts.jobTimeoutMs): Promise<BgapiResult> {
    let jobUuid: string = randomUUID();
    const result = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.jobs.delete(jobUuid);
        reject(new EslError('esl_timeout', `FreeSWITCH 后台任务超时（${timeoutMs} ms）`, { command: commandName(command), jobUuid }));
      }, timeoutMs);
      // Registered before sending: the job event may overtake the command reply.
      this.jobs.set(jobUuid, { resolve, reject, timer });
    });
    // The caller may stop awaiting `result` if the command itself fails below.
    result.catch(() => {});
    let reply: EslFrame;
    try {
      reply = await this.command(`bgapi ${command}`, { 'Job-UUID': jobUuid });
    } catch (err) {
      this.failJob(jobUuid, err as Error);
      throw err;
    }
    const text = reply.headers['Reply-Text'];
    if (!replyOk(text)) {
      const err = new EslError('esl_command_failed', `FreeSWITCH 拒绝了后台命令：${text ?? '无应答文本'}`, { command: commandName(command) });
      this.failJob(jobUuid, err);
      throw err;
    }
    const assigned = reply.headers['Job-UUID'];
    if (assigned && assigned !== jobUuid) {
      // An old switch that ignores our Job-UUID: follow the one it chose.
      const waiter = this.jobs.get(jobUuid);
      if (waiter) {
        this.jobs.delete(jobUuid);
        this.jobs.set(assigned, waiter);
      }
      jobUuid = assigned;
    }
    return { jobUuid, body: await result };
  }

  /** Places an outbound call (paging an on-duty officer); never throws for a call that fails to connect. */
  async originate(request: OriginateRequest): Promise<OriginateResult> {
    const { command, uuid } = buildOriginateCommand(request, { gateway: this.opts.gateway });
    const timeoutMs = ((request.timeoutSec ?? 30) + 15) * 1000;
    const { body } = await this.bgapi(command, Math.max(timeoutMs, this.opts.jobTimeoutMs));
    return parseOriginateResult(body, uuid);
  }

  /** Stops reconnecting and fails everything pending. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const err = new EslError('esl_closed', 'FreeSWITCH 连接已关闭');
    this.failAll(err);
    this.firstReady?.reject(err);
    this.firstReady?.promise.catch(() => {});
    const socket = this.socket;
    this.socket = null;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end(encodeCommand('exit'));
        setTimeout(() => socket.destroy(), 200).unref();
      });
    }
  }

  // --- connection lifecycle -------------------------------------------------------------

  private open(): void {
    this.stateValue = 'connecting';
    this.attempts++;
    const socket = net.connect({ host: this.opts.host, port: this.opts.port });
    this.socket = socket;
    socket.setKeepAlive(true, 10_000);
    socket.setNoDelay(true);
    let authed = false;
    const guard = setTimeout(() => socket.destroy(new Error('connect/auth timeout')), this.opts.connectTimeoutMs);

    const parser = new EslParser(
      (frame) => {
        if (this.socket !== socket) return;
        const type = frame.headers['Content-Type'];
        if (type === 'auth/request' && !authed) {
          authed = true;
          this.authenticate(socket).then(
            () => clearTimeout(guard),
            () => clearTimeout(guard),
          );
          return;
        }
        if (type === 'text/rude-rejection') {
          // The switch's ACL refused us: as hopeless as a wrong password.
          this.fail(socket, new EslError('esl_auth_failed', `FreeSWITCH 拒绝了连接：${frame.body.trim()}`));
          return;
        }
        this.onFrame(frame);
      },
      (err) => this.protocolError(err),
    );
    socket.on('data', (chunk) => parser.push(chunk));
    socket.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'FreeSWITCH ESL socket error'));
    socket.on('close', () => {
      clearTimeout(guard);
      this.onClose(socket);
    });
  }

  private async authenticate(socket: net.Socket): Promise<void> {
    let reply: EslFrame;
    try {
      reply = await this.write(socket, encodeCommand(`auth ${this.opts.password}`), this.opts.commandTimeoutMs);
    } catch {
      return; // the close handler takes over
    }
    if (!replyOk(reply.headers['Reply-Text'])) {
      this.fail(socket, new EslError('esl_auth_failed', 'FreeSWITCH ESL 密码错误', { reply: reply.headers['Reply-Text'] }));
      return;
    }
    try {
      await this.sendSubscriptions(socket);
    } catch {
      return;
    }
    this.stateValue = 'ready';
    this.failures = 0;
    this.attempts = 0;
    this.opts.logger.info({ host: this.opts.host, port: this.opts.port }, 'FreeSWITCH ESL ready');
    this.emit('ready');
    this.firstReady?.resolve();
    this.firstReady = null;
  }

  private fail(socket: net.Socket, err: EslError): void {
    this.stateValue = 'failed';
    this.opts.logger.warn({ code: err.code }, err.message);
    this.failAll(err);
    this.firstReady?.reject(err);
    this.firstReady?.promise.catch(() => {});
    this.firstReady = null;
    socket.destroy();
  }

  private onClose(socket: net.Socket): void {
    if (this.socket === socket) this.socket = null;
    const wasReady = this.stateValue === 'ready';
    this.failAll(new EslError('esl_disconnected', 'FreeSWITCH 连接已断开，结果未知'));
    if (this.stateValue === 'closed' || this.stateValue === 'failed') return;
    if (wasReady) this.emit('disconnected', { reason: 'socket closed' });
    const delayMs = Math.min(this.policy.maxDelayMs, Math.round(this.policy.initialDelayMs * this.policy.factor ** this.failures));
    this.failures++;
    this.stateValue = 'waiting';
    this.emit('reconnecting', { attempt: this.failures, delayMs });
    this.opts.logger.warn({ attempt: this.failures, delayMs }, 'FreeSWITCH ESL reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stateValue === 'waiting') this.open();
    }, delayMs);
  }

  private failAll(err: Error): void {
    const replies = this.replies;
    this.replies = [];
    for (const w of replies) this.settle(w, () => w.reject(err));
    for (const [uuid, job] of this.jobs) {
      clearTimeout(job.timer);
      this.jobs.delete(uuid);
      job.reject(err);
    }
  }

  private failJob(jobUuid: string, err: Error): void {
    const job = this.jobs.get(jobUuid);
    if (!job) return;
    clearTimeout(job.timer);
    this.jobs.delete(jobUuid);
    job.reject(err);
  }

  // --- frames ------------------------------------------------------------------------------

  private onFrame(frame: EslFrame): void {
    const type = frame.headers['Content-Type'];
    switch (type) {
      case 'command/reply':
      case 'api/response': {
        const waiter = this.replies.shift();
        if (!waiter) {
          this.protocolError(new Error(`unexpected ${type} with no command waiting`));
          return;
        }
        this.settle(waiter, () => waiter.resolve(frame));
        return;
      }
      case 'text/event-plain':
      case 'text/event-json': {
        const event = eventFromFrame(frame);
        if (!event) {
          this.protocolError(new Error('unreadable event frame skipped'));
          return;
        }
        if (event.name === 'BACKGROUND_JOB') {
          const uuid = event.headers['Job-UUID'];
          const job = uuid ? this.jobs.get(uuid) : undefined;
          if (job && uuid) {
            clearTimeout(job.timer);
            this.jobs.delete(uuid);
            job.resolve(event.body);
          }
        }
        this.emit('event', event);
        return;
      }
      case 'text/disconnect-notice':
        this.opts.logger.info({}, 'FreeSWITCH sent a disconnect notice');
        return;
      default:
        this.protocolError(new Error(`ESL frame with unknown Content-Type ${JSON.stringify(type)} skipped`));
    }
  }

  private protocolError(err: Error): void {
    this.opts.logger.warn({ err: err.message }, 'FreeSWITCH ESL protocol error');
    this.emit('protocol_error', err);
  }

  // --- writing -------------------------------------------------------------------------------

  private async sendSubscriptions(socket = this.socket): Promise<void> {
    if (!socket) throw new EslError('esl_disconnected', 'FreeSWITCH 未连接');
    const reply = await this.write(socket, encodeCommand(`event plain ${[...this.subscriptions].join(' ')}`), this.opts.commandTimeoutMs);
    if (!replyOk(reply.headers['Reply-Text'])) {
      throw new EslError('esl_command_failed', `事件订阅失败：${reply.headers['Reply-Text'] ?? ''}`);
    }
  }

  private command(line: string, headers: Record<string, string> = {}, timeoutMs = this.opts.commandTimeoutMs): Promise<EslFrame> {
    const text = encodeCommand(line, headers); // throws for unsafe input before anything is written
    if (this.stateValue !== 'ready' || !this.socket) {
      return Promise.reject(new EslError('esl_disconnected', 'FreeSWITCH 未连接，命令未发送', { command: commandName(line) }));
    }
    return this.write(this.socket, text, timeoutMs);
  }

  private write(socket: net.Socket, text: string, timeoutMs: number): Promise<EslFrame> {
    return new Promise<EslFrame>((resolve, reject) => {
      const waiter: ReplyWaiter = { resolve, reject, settled: false };
      waiter.timer = setTimeout(() => {
        this.settle(waiter, () => reject(new EslError('esl_timeout', `FreeSWITCH 未在 ${timeoutMs} ms 内应答`, { command: commandName(text) })));
        // Later replies would now be paired with the wrong commands: start over on a fresh socket.
        socket.destroy();
      }, timeoutMs);
      this.replies.push(waiter);
      socket.write(text);
    });
  }

  private settle(waiter: ReplyWaiter, action: () => void): void {
    if (waiter.settled) return;
    waiter.settled = true;
    if (waiter.timer) clearTimeout(waiter.timer);
    action();
  }
}

/** First two words of a command, for logs and error details; never the password or arguments. */
function commandName(line: string): string {
  const words = line.trim().split(/\s+/);
  if (words[0] === 'auth') return 'auth';
  return words.slice(0, 2).join(' ');
}
