/**
 * The running WeChat transports, one per channel. Built first by the composition root and handed
 * to every service that writes to a chat (the 回访 question, ticket-update notices, pages on the
 * `wechat` channel, the no-reply notice), through their constructors. A transport that starts
 * later than the container (the wechaty bot takes seconds to load) attaches itself here when it
 * runs; the services keep the same object throughout.
 */
import { chatOutbox, type ChatTransport } from '../application/conversation/wiring.js';
import type { ChatChannel } from '../application/conversation/ports.js';
import type { FollowupChat } from '../application/followup/ports.js';
import type { WechatNotifier } from '../application/paging/service.js';

export class ChatTransports {
  private readonly running = new Map<ChatChannel, ChatTransport>();
  /** `send(channel, contactId, text)` over whichever transports run at the time of sending. */
  readonly outbox: FollowupChat & ReturnType<typeof chatOutbox>;

  constructor(private readonly clock: { now(): Date }) {
    const get = () => Object.fromEntries(this.running) as Partial<Record<ChatChannel, ChatTransport>>;
    this.outbox = {
      send: (channel, contactId, text) => chatOutbox(get()).send(channel, contactId, text),
      lastInboundAt: (channel, contactId) => chatOutbox(get()).lastInboundAt(channel, contactId),
    };
  }

  /** A transport runs from now on; returns the function that detaches it. */
  attach(channel: ChatChannel, transport: ChatTransport): () => void {
    this.running.set(channel, transport);
    return () => {
      if (this.running.get(channel) === transport) this.running.delete(channel);
    };
  }

  has(channel: ChatChannel): boolean {
    return this.running.has(channel);
  }

  /** Pages on the `wechat` escalation channel go out through the bot while it runs. */
  wechatPager(): WechatNotifier {
    return {
      available: () => this.running.has('wechat'),
      send: async (to, text) => {
        const bot = this.running.get('wechat');
        if (!bot) throw new Error('WeChat bot is not running');
        await bot.sendToContact(to, text);
        return { id: `wechat:${to}:${this.clock.now().getTime()}` };
      },
    };
  }
}
