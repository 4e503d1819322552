/**
 * The demo's WeChat bot on wechaty-puppet-mock, with citizens someone can play from outside the
 * process: `POST /api/v1/sim/wechat` (and `suban wechat --say "…"` through it) sends a citizen's text
 * to the bot and answers with what the bot said back. The route exists only when the bot's puppet is
 * the mock: with a real puppet a typed "citizen" message would be a forged one.
 */
import type { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { AppError, invalid } from '../../src/domain/errors.js';
import { errors } from '../../src/web/schemas/common.js';
import type { WechatyBotHandle, WechatyBotOptions, WechatyDeps } from './bot.js';

export const MOCK_PUPPET = 'wechaty-puppet-mock';
const BOT_ID = 'wxid_hotline12345';

export interface MockChat {
  handle: WechatyBotHandle;
  /** Sends `text` from the citizen `id` to the bot; resolves with the bot's replies to that citizen. */
  say(id: string, name: string, text: string): Promise<string[]>;
}

/** A place for the bot once it has started (it starts after the server is already answering). */
export interface MockChatHolder {
  chat: MockChat | null;
}

/** Starts the bot on a mock puppet whose bot user is logged in, ready for citizens to talk to. */
export async function startMockChatBot(deps: WechatyDeps, opts: Omit<WechatyBotOptions, 'puppet'> = {}): Promise<MockChat> {
  const [{ PuppetMock, mock }, { startWechatyBot }] = await Promise.all([import('wechaty-puppet-mock'), import('./bot.js')]);
  const mocker = new mock.Mocker();
  const handle = await startWechatyBot(deps, { ...opts, puppet: new PuppetMock({ mocker }) });
  const botUser = mocker.createContact({ id: BOT_ID, name: '12345热线' });
  mocker.login(botUser);
  await until(() => handle.bot.isLoggedIn, 10_000);
  const citizens = new Map<string, { contact: ReturnType<typeof mocker.createContact>; heard: string[] }>();
  // One message at a time: the replies of a message are those that arrive until the bot is idle.
  let turn: Promise<unknown> = Promise.resolve();
  const say = (id: string, name: string, text: string): Promise<string[]> => {
    const run = turn.then(async () => {
      let c = citizens.get(id);
      if (!c) {
        const contact = mocker.createContact({ id, name });
        const heard: string[] = [];
        (contact as unknown as EventEmitter).on('message', (m: { talker(): { id: string }; room(): unknown; text(): string | null }) => {
          if (m.talker().id === BOT_ID && !m.room()) heard.push(m.text() ?? '');
        });
        c = { contact, heard };
        citizens.set(id, c);
      }
      const from = c.heard.length;
      const before = handle.stats.received;
      c.contact.say(text).to(botUser);
      await until(() => handle.stats.received > before, 10_000);
      await handle.idle();
      // The mock delivers the bot's sends on the next turns of the event loop.
      await new Promise((r) => setTimeout(r, 20));
      return c.heard.slice(from);
    });
    turn = run.catch(() => undefined);
    return run;
  };
  return { handle, say };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new AppError('unavailable', 'wechat_bot_timeout', '微信机器人未响应 (the mock WeChat bot did not answer)');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `POST /api/v1/sim/wechat {text, from?, name?}` → `{replies}`; operators, supervisors and admins. */
export function mockChatRoutes(holder: MockChatHolder) {
  return async (app: FastifyInstance) => {
    const staff = app.requireAuth(['operator', 'supervisor', 'admin']);
    app.post<{ Body: { text?: unknown; from?: unknown; name?: unknown } }>('/api/v1/sim/wechat', { preValidation: staff, schema: { operationId: 'simWechat', summary: "the demo's mock WeChat bot: a citizen's message and the bot's replies", tags: ['sim'], response: errors(400, 401, 403, 503) } }, async (req) => {
      const b = req.body ?? {};
      if (typeof b.text !== 'string' || !b.text.trim() || b.text.length > 2000) throw invalid('text_required', '请填写微信消息内容（不超过 2000 字）');
      const from = typeof b.from === 'string' && /^[\w-]{3,64}$/.test(b.from) ? b.from : 'wxid_demo_citizen';
      const name = typeof b.name === 'string' && b.name.trim() ? b.name.trim().slice(0, 32) : '演示市民';
      if (!holder.chat) throw new AppError('unavailable', 'wechat_bot_starting', '微信机器人正在启动，请稍后再试 (the mock WeChat bot is still starting)');
      return { from, replies: await holder.chat.say(from, name, b.text) };
    });
  };
}
