/**
 * Outbound event socket: the dialplan's `socket 127.0.0.1:8084 async full` makes FreeSWITCH dial
 * us once per incoming call, and the call is then driven from here through a CallChannel.
 *
 * In async mode `sendmsg` returns at once; the application's end is the CHANNEL_EXECUTE_COMPLETE
 * whose Application-UUID is the Event-UUID we sent, so several executes can be in flight and are
 * matched by id, never by order. When the call ends every waiting execute is rejected with
 * CallHungUpError, so a flow runner awaiting a prompt cannot hang on a dead call.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { EslParser, eventFromFrame, encodeCommand, replyOk, type EslEvent, type EslFrame, type EslHeaders } from './esl-frame.js';
import { CallHungUpError, EslError, type HangupInfo } from './errors.js';
import type { EslLogger } from './esl-client.js';

export interface CallInfo {
  uuid: string;
  callerNumber: string;
  callerName: string;
  destinationNumber: string;
  /** Every header of the CHANNEL_DATA reply, for variables set in the dialplan. */
  channelData: EslHeaders;
}

export interface TtsConfig {
  /** e.g. `tts_commandline`, `unimrcp`. */
  engine: string;
  voice: string;
}

/** What a caller hears: a sound file on the switch, or text for the TTS engine. */
export type Prompt = { file: string } | { text: string };

export interface PlayAndGetDigitsOptions {
  min: number;
  max: number;
  tries: number;
  timeoutMs: number;
  terminators?: string;
  prompt: Prompt;
  invalidPrompt?: Prompt;
  varName?: string;
  /** Anchored by FreeSWITCH; default: any digits. */
  regexp?: string;
  digitTimeoutMs?: number;
}

export interface RecordResult {
  path: string;
  /** From `variable_record_ms`; null when the switch did not report it. */
  durationMs: number | null;
}

export interface BridgeResult {
  ok: boolean;
  /** Why the other leg ended or failed, e.g. NO_ANSWER, USER_BUSY. */
  cause: string;
}

export interface CallChannelOptions {
  tts?: TtsConfig;
  /** Per execute; none by default because record and bridge legitimately run for minutes. */
  executeTimeoutMs?: number;
}

type Writer = (text: string) => void;

interface ExecuteWaiter {
  app: string;
  resolve: (headers: EslHeaders) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

const SILENCE = 'silence_stream://250';

export class CallChannel {
  readonly info: CallInfo;
  private readonly controller = new AbortController();
  private hangupInfo: HangupInfo | null = null;
  private hangupRequested = false;
  private readonly listeners = new Set<(h: HangupInfo) => void>();
  private readonly eventListeners = new Map<string, Set<(headers: EslHeaders) => void>>();
  private readonly executes = new Map<string, ExecuteWaiter>();
  private readonly replyWaiters: Array<{ resolve: (f: EslFrame) => void; reject: (e: Error) => void }> = [];
  private ttsVarsSet = false;

  constructor(
    info: CallInfo,
    private readonly write: Writer,
    private readonly options: CallChannelOptions = {},
  ) {
    this.info = info;
  }

  /** Aborted when the call ends; hand it to anything that should stop with the call. */
  get hangupSignal(): AbortSignal {
    return this.controller.signal;
  }

  get hungUp(): HangupInfo | null {
    return this.hangupInfo;
  }

  onHangup(listener: (h: HangupInfo) => void): () => void {
    if (this.hangupInfo) {
      listener(this.hangupInfo);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Other events of this channel (`myevents`), e.g. CHANNEL_BRIDGE while a queue application runs. */
  onEvent(name: string, listener: (headers: EslHeaders) => void): () => void {
    let set = this.eventListeners.get(name);
    if (!set) this.eventListeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Runs a dialplan application; resolves with the CHANNEL_EXECUTE_COMPLETE headers. */
  async execute(app: string, arg = '', opts: { timeoutMs?: number } = {}): Promise<EslHeaders> {
    if (this.hangupInfo) throw new CallHungUpError(this.hangupInfo);
    const eventUuid = randomUUID();
    const text = encodeCommand('sendmsg', {
      'call-command': 'execute',
      'execute-app-name': app,
      'execute-app-arg': arg,
      'Event-UUID': eventUuid,
    });
    const done = new Promise<EslHeaders>((resolve, reject) => {
      const waiter: ExecuteWaiter = { app, resolve, reject };
      const timeoutMs = opts.timeoutMs ?? this.options.executeTimeoutMs;
      if (timeoutMs) {
        waiter.timer = setTimeout(() => {
          this.executes.delete(eventUuid);
          reject(new EslError('esl_timeout', `应用 ${app} 未在 ${timeoutMs} ms 内完成`, { app }));
        }, timeoutMs);
      }
      this.executes.set(eventUuid, waiter);
    });
    done.catch(() => {});
    const reply = await this.sendCommand(text);
    if (!replyOk(reply.headers['Reply-Text'])) {
      const waiter = this.executes.get(eventUuid);
      this.executes.delete(eventUuid);
      if (waiter?.timer) clearTimeout(waiter.timer);
      throw new EslError('esl_command_failed', `FreeSWITCH 拒绝执行 ${app}：${reply.headers['Reply-Text'] ?? ''}`, { app });
    }
    return done;
  }

  async answer(): Promise<void> {
    await this.execute('answer');
  }

  async setVariable(name: string, value: string): Promise<void> {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new EslError('esl_command_failed', `变量名 ${name} 格式错误`);
    await this.execute('set', `${name}=${value}`);
  }

  async playback(prompt: Prompt): Promise<void> {
    await this.execute('playback', await this.promptTarget(prompt));
  }

  /** Speaks text with the configured TTS engine (`speak engine|voice|text`). */
  async speak(text: string): Promise<void> {
    const tts = this.requireTts();
    await this.execute('speak', `${tts.engine}|${tts.voice}|${oneLine(text)}`);
  }

  /** Plays a prompt and collects DTMF; resolves with the digits ('' when the caller pressed nothing valid). */
  async playAndGetDigits(o: PlayAndGetDigitsOptions): Promise<string> {
    const varName = o.varName ?? 'suban_digits';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(varName)) throw new EslError('esl_command_failed', `变量名 ${varName} 格式错误`);
    const args = [
      String(o.min),
      String(o.max),
      String(o.tries),
      String(o.timeoutMs),
      o.terminators || 'none',
      quoteArg(await this.promptTarget(o.prompt)),
      quoteArg(o.invalidPrompt ? await this.promptTarget(o.invalidPrompt) : SILENCE),
      varName,
      quoteArg(o.regexp ?? '\\d+'),
      String(o.digitTimeoutMs ?? o.timeoutMs),
    ];
    const done = await this.execute('play_and_get_digits', args.join(' '));
    return done[`variable_${varName}`] ?? '';
  }

  /** Records the caller to `path` on the switch until silence, `#`, hangup or `maxSec`. */
  async record(path: string, maxSec: number, silenceThreshold = 200, silenceHits = 3): Promise<RecordResult> {
    if (/\s/.test(path)) throw new EslError('esl_command_failed', '录音路径不能含空格');
    const done = await this.execute('record', `${path} ${maxSec} ${silenceThreshold} ${silenceHits}`);
    const ms = Number(done.variable_record_ms);
    return { path, durationMs: Number.isFinite(ms) && done.variable_record_ms !== undefined ? ms : null };
  }

  /** Hands the call to another extension (e.g. the operator queue) and leaves this socket. */
  async transfer(destination: string, dialplan = 'XML', context = 'default'): Promise<void> {
    await this.execute('transfer', `${destination} ${dialplan} ${context}`);
  }

  /** Connects the caller to another endpoint, e.g. an operator `user/1001`; resolves when that leg ends. */
  async bridge(dialString: string): Promise<BridgeResult> {
    const done = await this.execute('bridge', dialString);
    // originate_disposition is SUCCESS once the other leg answered, else the failure cause.
    const cause = done.variable_originate_disposition || done.variable_DIALSTATUS || 'UNKNOWN';
    const ok = cause === 'SUCCESS' || cause === 'ANSWER';
    return { ok, cause };
  }

  /** Ends the call; resolves once the switch confirms (or the socket closes). */
  async hangup(cause = 'NORMAL_CLEARING'): Promise<HangupInfo> {
    if (this.hangupInfo) return this.hangupInfo;
    this.hangupRequested = true;
    const ended = new Promise<HangupInfo>((resolve) => this.onHangup(resolve));
    try {
      await this.sendCommand(encodeCommand('sendmsg', { 'call-command': 'hangup', 'hangup-cause': cause }));
    } catch {
      // Already gone: onHangup has fired or will fire from the close.
    }
    return ended;
  }

  // --- driven by the connection ------------------------------------------------------------

  /** @internal */
  handleReply(frame: EslFrame): void {
    this.replyWaiters.shift()?.resolve(frame);
  }

  /** @internal */
  handleEvent(event: EslEvent): void {
    const uuid = event.headers['Unique-ID'];
    if (uuid && uuid !== this.info.uuid) return;
    if (event.name === 'CHANNEL_EXECUTE_COMPLETE') {
      const id = event.headers['Application-UUID'];
      const waiter = id ? this.executes.get(id) : undefined;
      if (waiter && id) {
        this.executes.delete(id);
        if (waiter.timer) clearTimeout(waiter.timer);
        waiter.resolve(event.headers);
      }
      return;
    }
    if (event.name === 'CHANNEL_HANGUP' || event.name === 'CHANNEL_HANGUP_COMPLETE') {
      this.markHungUp(event.headers['Hangup-Cause'] || 'NORMAL_CLEARING');
      return;
    }
    for (const listener of this.eventListeners.get(event.name) ?? []) listener(event.headers);
  }

  /** @internal the socket closed; whatever happened, the call is over for us. */
  handleClose(): void {
    this.markHungUp('SOCKET_CLOSED');
    const err = new CallHungUpError(this.hangupInfo!);
    for (const w of this.replyWaiters.splice(0)) w.reject(err);
  }

  private markHungUp(cause: string): void {
    if (this.hangupInfo) return;
    const info: HangupInfo = { cause, by: this.hangupRequested ? 'us' : 'caller' };
    this.hangupInfo = info;
    const err = new CallHungUpError(info);
    for (const [id, w] of this.executes) {
      this.executes.delete(id);
      if (w.timer) clearTimeout(w.timer);
      w.reject(err);
    }
    this.controller.abort(err);
    for (const l of this.listeners) l(info);
    this.listeners.clear();
  }

  private sendCommand(text: string): Promise<EslFrame> {
    if (this.hangupInfo && !this.hangupRequested) return Promise.reject(new CallHungUpError(this.hangupInfo));
    return new Promise<EslFrame>((resolve, reject) => {
      this.replyWaiters.push({ resolve, reject });
      this.write(text);
    });
  }

  private requireTts(): TtsConfig {
    if (!this.options.tts) {
      throw new EslError('esl_command_failed', '未配置 TTS 引擎：请配置 tts_commandline 等中文语音，或改用录好的提示音文件');
    }
    return this.options.tts;
  }

  /**
   * The file string FreeSWITCH plays for a prompt. Text becomes `say:<text>`, which uses the
   * channel's tts_engine/tts_voice; those are set once per call, on first use.
   */
  async promptTarget(prompt: Prompt): Promise<string> {
    if ('file' in prompt) return prompt.file;
    const tts = this.requireTts();
    if (!this.ttsVarsSet) {
      this.ttsVarsSet = true;
      await this.execute('set', `tts_engine=${tts.engine}`);
      await this.execute('set', `tts_voice=${tts.voice}`);
    }
    return `say:${oneLine(prompt.text)}`;
  }
}

/** play_and_get_digits splits its data on spaces but honours single quotes. */
function quoteArg(value: string): string {
  return /\s/.test(value) ? `'${value.replace(/'/g, '’')}'` : value;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

export interface OutboundServerOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  onCall: (channel: CallChannel) => Promise<void> | void;
  tts?: TtsConfig;
  executeTimeoutMs?: number;
  /** `connect`, `myevents`, `linger` replies. */
  handshakeTimeoutMs?: number;
  logger?: EslLogger;
}

export class OutboundServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly logger: EslLogger;

  constructor(private readonly options: OutboundServerOptions) {
    this.logger = options.logger ?? { info: () => {}, warn: () => {} };
    this.server = net.createServer((socket) => this.accept(socket));
  }

  get activeCalls(): number {
    return this.sockets.size;
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        const addr = this.server.address() as net.AddressInfo;
        resolve({ host: addr.address, port: addr.port });
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let channel: CallChannel | null = null;
    // Events can come between the `myevents` reply and the channel object (a caller hanging up at
    // once): kept and handed over, so such a call ends as a hangup and not after a timeout.
    const early: EslEvent[] = [];
    const handshake: Array<{ resolve: (f: EslFrame) => void; reject: (e: Error) => void }> = [];
    const parser = new EslParser(
      (frame) => {
        const type = frame.headers['Content-Type'];
        if (type === 'command/reply' || type === 'api/response') {
          const waiting = handshake.shift();
          if (waiting) waiting.resolve(frame);
          else channel?.handleReply(frame);
          return;
        }
        if (type === 'text/event-plain' || type === 'text/event-json') {
          const event = eventFromFrame(frame);
          if (event) {
            if (channel) channel.handleEvent(event);
            else if (early.length < 100) early.push(event);
          } else this.logger.warn({}, 'unreadable event from FreeSWITCH skipped');
          return;
        }
        if (type === 'text/disconnect-notice') return; // the close follows
        this.logger.warn({ type }, 'unexpected ESL frame on outbound socket skipped');
      },
      (err) => this.logger.warn({ err: err.message }, 'FreeSWITCH outbound protocol error'),
    );
    socket.on('data', (chunk) => parser.push(chunk));
    socket.on('error', (err) => this.logger.warn({ err: err.message }, 'FreeSWITCH outbound socket error'));

    socket.on('close', () => {
      this.sockets.delete(socket);
      const err = new EslError('esl_disconnected', 'FreeSWITCH 在握手完成前断开了外连');
      for (const w of handshake.splice(0)) w.reject(err);
      channel?.handleClose();
    });

    const ask = (text: string): Promise<EslFrame> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new EslError('esl_timeout', 'FreeSWITCH 外连握手超时')), this.options.handshakeTimeoutMs ?? 5_000);
        handshake.push({
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        socket.write(text);
      });

    const run = async () => {
      const data = await ask(encodeCommand('connect'));
      const h = data.headers;
      const uuid = h['Unique-ID'] || h['Channel-Unique-ID'] || h['Caller-Unique-ID'];
      if (!uuid) throw new EslError('esl_command_failed', 'connect 应答中没有 Unique-ID');
      await ask(encodeCommand('myevents'));
      // linger keeps the socket open after hangup so the final events still reach us.
      await ask(encodeCommand('linger'));
      channel = new CallChannel(
        {
          uuid,
          callerNumber: h['Caller-Caller-ID-Number'] ?? '',
          callerName: h['Caller-Caller-ID-Name'] ?? '',
          destinationNumber: h['Caller-Destination-Number'] ?? '',
          channelData: h,
        },
        (text) => {
          if (!socket.destroyed) socket.write(text);
        },
        { tts: this.options.tts, executeTimeoutMs: this.options.executeTimeoutMs },
      );
      for (const e of early.splice(0)) channel.handleEvent(e);
      if (socket.destroyed) channel.handleClose();
      this.logger.info({ uuid, destination: channel.info.destinationNumber }, 'FreeSWITCH call connected');
      try {
        await this.options.onCall(channel);
      } catch (err) {
        if (!(err instanceof CallHungUpError)) {
          this.logger.warn({ uuid, err: (err as Error).message }, 'call handler failed; hanging up');
        }
      }
      if (!channel.hungUp) {
        // A switch that never confirms must not keep the socket (and this promise) forever.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([channel.hangup(), new Promise((r) => (timer = setTimeout(r, 5_000)))]);
        clearTimeout(timer);
      }
    };

    run()
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'outbound call setup failed'))
      .finally(() => {
        if (!socket.destroyed) {
          socket.end(encodeCommand('exit'));
          setTimeout(() => socket.destroy(), 1_000).unref();
        }
      });
  }
}
