/**
 * The WeChat bot (wechaty): citizens talk to a WeChat account in private chats and the bot
 * feeds every message to the same conversation engine as the Official Account webhook.
 *
 * - Private chats go to the engine; group chats are ignored unless the bot is @-mentioned, and
 *   then only the mentioning member's words (without the @) count, answered in the group with
 *   an @ back.
 * - Images and voice messages are stored under `<mediaDir>/wechat/` named by their SHA-256, and
 *   the ticket attachment's url is `/media/wechat/<file>`: serve `mediaDir` at `/media/` to let
 *   the console open them. A shared location becomes the report's place.
 * - Outbound: `sendToContact` carries ticket updates and 回访 questions to a citizen's chat.
 *
 * Which WeChat is behind it is the puppet's business (`WECHATY_PUPPET`); the tests and the demo
 * use wechaty-puppet-mock, where a test plays the citizen.
 */
import { stripBadText } from '../../src/domain/text.js';
import { createHash } from 'node:crypto';
import { mkdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { WechatyBuilder, types, type Message, type Wechaty, type WechatyOptions } from 'wechaty';
import type { Clock } from '../../src/domain/clock.js';
import { AppError, notFound } from '../../src/domain/errors.js';
import type { ChatInput } from '../../src/application/conversation/ports.js';
import { T } from '../../src/application/conversation/texts.js';
import { createConversationEngine, type ChatHandler, type ConversationDeps } from '../../src/application/conversation/wiring.js';

interface BotLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The slice of the container the bot needs; `Container` satisfies it. */
export interface WechatyDeps extends ConversationDeps {
  config: { wechaty: { puppet: string; token: string } };
  log: BotLog;
  /** Duty people acknowledge pages from WeChat too (`确认1234`); tried before the citizen dialogue. */
  paging?: { handleInboundWechat(m: { from: string; text: string; at?: Date }): Promise<{ handled: boolean; reply?: string }> };
}

type PuppetChoice = Extract<WechatyOptions, { puppet?: unknown }>['puppet'];

export interface WechatyBotOptions {
  /** A puppet instance (tests: a PuppetMock with its Mocker), or a puppet package name; default config.wechaty.puppet. */
  puppet?: PuppetChoice | string;
  engine?: ChatHandler;
  /** Where images and voice are written (default `data/media`). */
  mediaDir?: string;
  /** Larger media are not kept; the citizen is told (default 10 MiB). */
  maxMediaBytes?: number;
}

export interface WechatyBotHandle {
  bot: Wechaty;
  engine: ChatHandler;
  /** Sends a text to a citizen's private chat; throws AppError 'unavailable'/'not_found' when it cannot. */
  sendToContact(contactId: string, text: string): Promise<void>;
  /** Resolves when every message received so far has been handled and answered. */
  idle(): Promise<void>;
  /** Messages from others seen by the bot, and how many of them were left unanswered on purpose (groups). */
  readonly stats: { received: number; ignored: number };
  stop(): Promise<void>;
}

const MAX_TEXT_CHARS = 1500;
const MEDIA_URL_PREFIX = '/media/wechat/';
const MEDIA_TOO_LARGE = '图片或语音文件过大，未能保存。请用文字补充说明。';

function splitText(text: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += MAX_TEXT_CHARS) parts.push(text.slice(i, i + MAX_TEXT_CHARS));
  return parts.length ? parts : [''];
}

/** A safe file extension from the file box's name, by kind when it has none we accept. */
function extensionOf(name: string, kind: 'image' | 'voice'): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name);
  if (m) return m[1].toLowerCase();
  return kind === 'image' ? 'jpg' : 'silk';
}

export async function startWechatyBot(deps: WechatyDeps, opts: WechatyBotOptions = {}): Promise<WechatyBotHandle> {
  const puppet = opts.puppet ?? deps.config.wechaty.puppet;
  if (!puppet) throw new AppError('invalid', 'wechaty_no_puppet', 'WECHATY_PUPPET is empty: the WeChat bot is disabled');
  const clock: Clock = deps.clock;
  const engine: ChatHandler = opts.engine ?? createConversationEngine(deps);
  const mediaDir = opts.mediaDir ?? 'data/media';
  const maxMediaBytes = opts.maxMediaBytes ?? 10 * 1024 * 1024;
  const log = deps.log;

  const options: WechatyOptions =
    typeof puppet === 'string'
      ? ({ puppet, ...(deps.config.wechaty.token ? { puppetOptions: { token: deps.config.wechaty.token } } : {}) } as WechatyOptions)
      : { puppet };
  const bot = WechatyBuilder.build(options);
  const pending = new Set<Promise<unknown>>();
  const stats = { received: 0, ignored: 0 };

  /** Keeps an image/voice; returns its attachment url, or null when it could not be kept. */
  async function saveMedia(msg: Message, kind: 'image' | 'voice'): Promise<string | null | 'too_large'> {
    try {
      const box = await msg.toFileBox();
      const data = await box.toBuffer();
      if (data.length > maxMediaBytes) return 'too_large';
      const name = `${createHash('sha256').update(data).digest('hex').slice(0, 32)}.${extensionOf(box.name ?? '', kind)}`;
      const dir = join(mediaDir, 'wechat');
      await mkdir(dir, { recursive: true });
      const path = join(dir, name);
      // Content-addressed: the same picture sent twice is stored once.
      const exists = await access(path).then(
        () => true,
        () => false,
      );
      if (!exists) await writeFile(path, data);
      return `${MEDIA_URL_PREFIX}${name}`;
    } catch (err) {
      log.warn({ err: String(err) }, 'wechaty media could not be saved');
      return null;
    }
  }

  async function locationOf(msg: Message): Promise<ChatInput['location'] | null> {
    try {
      // Message.toLocation() cannot build its Location in wechaty 1.20; the puppet's payload can.
      const p = await bot.puppet.messageLocation(msg.id);
      if (!Number.isFinite(p.latitude) || !Number.isFinite(p.longitude)) return null;
      return { lat: p.latitude, lng: p.longitude, label: [p.name, p.address].filter(Boolean).join('，') || '' };
    } catch (err) {
      log.warn({ err: String(err) }, 'wechaty location could not be read');
      return null;
    }
  }

  /** The neutral input, a text to answer directly, or null to stay silent. */
  async function toInput(msg: Message, text: string): Promise<ChatInput | { say: string } | null> {
    const talker = msg.talker();
    const base = { contactId: talker.id, channel: 'wechat' as const, at: clock.now(), messageId: msg.id, contactName: talker.name() || undefined };
    switch (msg.type()) {
      case types.Message.Text:
        return { ...base, kind: 'text', text };
      case types.Message.Image:
      case types.Message.Audio: {
        const kind = msg.type() === types.Message.Image ? 'image' : 'voice';
        const url = await saveMedia(msg, kind);
        if (url === 'too_large') return { say: MEDIA_TOO_LARGE };
        return { ...base, kind, ...(url ? { mediaUrl: url } : {}) };
      }
      case types.Message.Location: {
        const location = await locationOf(msg);
        return location ? { ...base, kind: 'location', location } : { say: T.unsupported };
      }
      case types.Message.Recalled:
        return null;
      default:
        return { say: T.unsupported };
    }
  }

  async function onMessage(msg: Message): Promise<void> {
    const talker = msg.talker();
    const room = msg.room();
    let text = msg.text();
    // Official accounts and WeChat itself also "talk"; only people file reports.
    const person = talker.type() === types.Contact.Individual || talker.type() === types.Contact.Unknown;
    if (!person || (room && !(await msg.mentionSelf()))) {
      stats.ignored++;
      return;
    }
    if (room) text = await msg.mentionText();
    text = stripBadText(text);
    const input = await toInput(msg, text);
    if (!input) {
      stats.ignored++;
      return;
    }
    let replies: string[] | null = null;
    if (!room && !('say' in input) && input.kind === 'text' && input.text && deps.paging) {
      const ack = await deps.paging.handleInboundWechat({ from: talker.id, text: input.text, at: deps.clock.now() });
      if (ack.handled) replies = ack.reply ? [ack.reply] : [];
    }
    // A personal account's messages are never delivered again: when the engine fails the citizen
    // is told the message was not taken, rather than left waiting for an answer that never comes.
    replies ??= 'say' in input ? [input.say] : await engine.handle(input).catch((err: unknown) => (log.error({ err: String(err) }, 'wechaty message not handled'), [T.failed]));
    for (const r of replies) {
      for (const part of splitText(r)) {
        if (room) await room.say(part, talker);
        else await talker.say(part);
      }
    }
  }

  bot.on('message', (msg: Message) => {
    if (msg.self()) return;
    stats.received++;
    const p = onMessage(msg).catch((err) => log.error({ err: String(err) }, 'wechaty message failed'));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });
  bot.on('scan', (qrcode: string, status: types.ScanStatus) => {
    log.info({ status, url: `https://wechaty.js.org/qrcode/${encodeURIComponent(qrcode)}` }, 'wechaty: scan the QR code with the hotline WeChat account');
  });
  bot.on('login', (user) => log.info({ user: user.name() }, 'wechaty logged in'));
  bot.on('logout', (user) => log.warn({ user: user.name() }, 'wechaty logged out'));
  bot.on('error', (err) => log.warn({ err: String(err) }, 'wechaty error'));
  await bot.start();

  async function idle(): Promise<void> {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  }

  return {
    bot,
    engine,
    async sendToContact(contactId, text) {
      if (!bot.isLoggedIn) throw new AppError('unavailable', 'wechaty_offline', 'the WeChat bot is not logged in');
      const contact = await bot.Contact.find({ id: contactId });
      if (!contact) throw notFound('wechat_contact', contactId);
      for (const part of splitText(text)) await contact.say(part);
    },
    idle,
    stats,
    async stop() {
      await idle();
      await bot.stop();
    },
  };
}
