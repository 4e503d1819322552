/**
 * 市融媒体中心及时跟踪报道 (the plan §二.5): the 热线办 (supervisors, admins) chooses closed tickets for
 * publication (`published`, with an optional headline and summary); the media centre (role `media`,
 * or its system through the feed) reads only those, with personal data masked, and their outcome:
 * the unit's reply and the 回访's satisfaction.
 */
import type { Clock } from '../../domain/clock.js';
import { forbidden, invalid, notFound } from '../../domain/errors.js';
import { DECIDER_ROLES, type Principal } from '../../domain/policy.js';
import { introducedNames, maskHouseNumbers, maskPersonalText, streetLevel } from '../../domain/privacy.js';
import type { Ticket } from '../../domain/tickets/ticket.js';
import type { TicketStore } from '../ports/tickets.js';
import type { TicketService } from '../tickets/service.js';

/** What the media centre sees of a published ticket: no contact, no name, no house number, no ID number. */
export interface MediaItem {
  id: string;
  number: string;
  headline: string | null;
  summary: string | null;
  category: string;
  channel: string;
  township: string | null;
  unit: string | null;
  /** street level only */
  place: string | null;
  content: string;
  reply: string | null;
  satisfaction: string | null;
  solved: boolean | null;
  createdAt: string;
  closedAt: string;
  publishedAt: string;
}

/** The contact's name and any name the citizen introduced (我叫李四) are masked in every field, the reply included. */
export const maskForMedia = (text: string, t: Pick<Ticket, 'contactName' | 'content'>) => maskHouseNumbers(maskPersonalText(text, [t.contactName, ...introducedNames(t.content)]));

export function mediaItem(t: Ticket): MediaItem {
  return {
    id: t.id,
    number: t.number,
    headline: t.publication?.headline ? maskForMedia(t.publication.headline, t) : null,
    summary: t.publication?.summary ? maskForMedia(t.publication.summary, t) : null,
    category: t.category,
    channel: t.channel,
    township: t.township,
    unit: t.unit,
    place: streetLevel(t.place),
    content: maskForMedia(t.content, t),
    reply: t.lastReply ? maskForMedia(t.lastReply, t) : null,
    satisfaction: t.followUp?.satisfaction ?? null,
    solved: t.followUp?.solved ?? null,
    createdAt: t.createdAt.toISOString(),
    closedAt: t.updatedAt.toISOString(),
    publishedAt: t.publication?.at ?? t.updatedAt.toISOString(),
  };
}

export class MediaService {
  constructor(private readonly d: { tickets: TicketService; store: TicketStore; clock: Clock }) {}

  /** 选登: the 热线办 chooses a closed ticket for the media centre (again: the headline/summary change). */
  publish(p: Principal, id: string, input: { headline?: string; summary?: string }): Promise<Ticket> {
    const headline = input.headline?.trim() || undefined;
    const summary = input.summary?.trim() || undefined;
    return this.d.tickets.act(p, id, 'publish', 'console', (t) => {
      if (t.state !== 'closed') throw invalid('not_closed', `工单 ${t.number} 尚未办结，不能公开`);
      return [{ type: 'published', ...(headline ? { headline } : {}), ...(summary ? { summary } : {}) }];
    });
  }

  unpublish(p: Principal, id: string, note?: string): Promise<Ticket> {
    return this.d.tickets.act(p, id, 'publish', 'console', (t) => (t.publication ? [{ type: 'unpublished', ...(note?.trim() ? { note: note.trim() } : {}) }] : []));
  }

  private assertReader(p: Principal) {
    if (p.role !== 'media' && !DECIDER_ROLES.includes(p.role)) throw forbidden();
  }

  /** Published tickets, newest publication first (the media page and the feed). */
  async list(p: Principal, opts: { since?: Date; limit?: number } = {}): Promise<MediaItem[]> {
    this.assertReader(p);
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 500);
    const out: Ticket[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Ticket[]; next: string | null } = await this.d.store.list({ published: true }, { limit: 200, cursor });
      out.push(...page.items.filter((t) => t.state === 'closed' && t.publication && (!opts.since || Date.parse(t.publication.at) > opts.since.getTime())));
      cursor = page.next;
    } while (cursor && out.length < 5000);
    return out
      .sort((a, b) => Date.parse(b.publication!.at) - Date.parse(a.publication!.at))
      .slice(0, limit)
      .map(mediaItem);
  }

  /** One published ticket; any other id is 404 to the media centre (it learns nothing of the rest). */
  async get(p: Principal, id: string): Promise<MediaItem> {
    this.assertReader(p);
    const t = await this.d.store.get(id);
    if (!t || t.state !== 'closed' || !t.publication) throw notFound('ticket', id);
    return mediaItem(t);
  }
}
