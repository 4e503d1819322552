/**
 * The bot on wechaty-puppet-mock, with citizens a test can play: each `say`/`send*` waits until
 * the bot has handled the message and returns what the bot said back to that citizen.
 */
import type { EventEmitter } from 'node:events';
import { FileBox } from 'file-box';
import { types } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { startWechatyBot, type WechatyBotHandle, type WechatyBotOptions, type WechatyDeps } from '../../../adapters/wechaty/bot.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const BOT_ID = 'wxid_hotline12345';

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface MockCitizen {
  id: string;
  contact: mock.ContactMock;
  /** Everything the bot said to this citizen in private, in order. */
  heard: string[];
  say(text: string): Promise<string[]>;
  sendImage(bytes: Buffer, name?: string): Promise<string[]>;
  sendVoice(bytes: Buffer): Promise<string[]>;
  /** The mock puppet answers every location with the same place (东升乡人民政府, Beijing). */
  sendLocation(): Promise<string[]>;
  sendVideo(): Promise<string[]>;
}

export interface MockBot {
  handle: WechatyBotHandle;
  mocker: mock.Mocker;
  botUser: mock.ContactMock;
  citizen(id: string, name: string): MockCitizen;
  /** Waits until `n` more messages reached the bot and were handled. */
  settle(before: number, n?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function mockBot(t: Teardown, deps: WechatyDeps, opts: Omit<WechatyBotOptions, 'puppet'> = {}): Promise<MockBot> {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const handle = await startWechatyBot(deps, { ...opts, puppet });
  const botUser = mocker.createContact({ id: BOT_ID, name: '12345热线' });
  mocker.login(botUser);
  await waitFor(() => handle.bot.isLoggedIn, 'login');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await handle.stop();
  };
  t.teardown(stop);

  const settle = async (before: number, n = 1) => {
    await waitFor(() => handle.stats.received >= before + n, 'the bot to receive the message');
    await handle.idle();
    // The mock delivers the bot's sends on the next turns of the event loop.
    await new Promise((r) => setTimeout(r, 10));
  };

  function citizen(id: string, name: string): MockCitizen {
    const contact = mocker.createContact({ id, name });
    const heard: string[] = [];
    // The mock's contacts are EventEmitters whose typings do not declare the events.
    (contact as unknown as EventEmitter).on('message', (m: mock.MessageMock) => {
      if (m.talker().id === BOT_ID && !m.room()) heard.push(m.text() ?? '');
    });
    const exchange = async (send: () => void) => {
      const from = heard.length;
      const before = handle.stats.received;
      send();
      await settle(before);
      return heard.slice(from);
    };
    const raw = (type: types.Message, box?: FileBox) =>
      exchange(() => {
        const msgId = `raw-${id}-${Math.random().toString(36).slice(2)}`;
        if (box) mocker.cacheFileBoxPayload.set(msgId, box.toJSON());
        mocker.MessageMock.create({ id: msgId, talkerId: id, listenerId: BOT_ID, timestamp: Date.now(), type } as never);
        mocker.puppet.emit('message', { messageId: msgId });
      });
    return {
      id,
      contact,
      heard,
      say: (text) => exchange(() => contact.say(text).to(botUser)),
      sendImage: (bytes, fileName = 'photo.png') => exchange(() => contact.say(FileBox.fromBase64(bytes.toString('base64'), fileName)).to(botUser)),
      sendVoice: (bytes) => raw(types.Message.Audio, FileBox.fromBase64(bytes.toString('base64'), 'voice.silk')),
      sendLocation: () => raw(types.Message.Location),
      sendVideo: () => raw(types.Message.Video, FileBox.fromBase64(Buffer.from('mp4').toString('base64'), 'clip.mp4')),
    };
  }

  return { handle, mocker, botUser, citizen, settle, stop };
}
