import type { Ticket } from '../../domain/tickets/ticket.js';
import type { ClassificationResult } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';

export interface DuplicateSuggestion {
  id: string;
  number: string;
  reason: 'same_caller' | 'same_place';
  score: number;
}

const HOUR = 3600_000;
const OPEN = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'] as const;

/** Character-bigram overlap: robust for short Chinese texts without a segmenter. */
export function textSimilarity(a: string, b: string): number {
  const grams = (s: string) => {
    const clean = s.replace(/[\s,。,.!?!?、;;::""“”'‘’()()]/g, '');
    const g = new Set<string>();
    for (let i = 0; i < clean.length - 1; i++) g.add(clean.slice(i, i + 2));
    return g;
  };
  const ga = grams(a);
  const gb = grams(b);
  if (!ga.size || !gb.size) return 0;
  let inter = 0;
  for (const x of ga) if (gb.has(x)) inter++;
  return inter / Math.min(ga.size, gb.size);
}

/**
 * 并单 suggestions: the same caller about the same matter within 72 h, or the same place and
 * matter from other callers within 24 h. Suggestions only; an operator decides.
 */
export async function findDuplicates(store: TicketStore, t: Ticket, c: ClassificationResult, now: Date): Promise<DuplicateSuggestion[]> {
  const out = new Map<string, DuplicateSuggestion>();
  if (t.contact) {
    const items = await store.listBrief({ contact: t.contact, from: new Date(now.getTime() - 72 * HOUR), state: [...OPEN] }, 20);
    for (const o of items) {
      if (o.id === t.id) continue;
      const score = textSimilarity(o.content, t.content) + (o.unit && o.unit === t.unit ? 0.3 : 0);
      if (score >= 0.35) out.set(o.id, { id: o.id, number: o.number, reason: 'same_caller', score: Math.min(1, score) });
    }
  }
  const place = t.place ?? c.place;
  if (place) {
    // Only tickets that name the same place are candidates, so the query stays small on a busy day.
    const items = await store.listBrief({ unit: t.unit ?? undefined, from: new Date(now.getTime() - 24 * HOUR), state: [...OPEN], place }, 30);
    for (const o of items) {
      if (o.id === t.id || out.has(o.id) || (t.contact && o.contact === t.contact)) continue;
      const score = textSimilarity(o.content, t.content) + 0.25;
      if (score >= 0.45) out.set(o.id, { id: o.id, number: o.number, reason: 'same_place', score: Math.min(1, score) });
    }
  }
  return [...out.values()].sort((a, b) => b.score - a.score).slice(0, 5);
}
