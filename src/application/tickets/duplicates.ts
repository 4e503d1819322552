import { canonicalPlace } from '../../domain/places/crossing.js';
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

const PUNCTUATION = /[\s,。,.!?!?、;;::""“”'‘’()()]/g;

function bigrams(s: string): Set<string> {
  const clean = s.replace(PUNCTUATION, '');
  const g = new Set<string>();
  for (let i = 0; i < clean.length - 1; i++) g.add(clean.slice(i, i + 2));
  return g;
}

/** Character-bigram overlap with a fixed text: robust for short Chinese texts without a segmenter. */
export function similarityTo(a: string): (b: string) => number {
  const ga = bigrams(a);
  return (b) => {
    const gb = bigrams(b);
    if (!ga.size || !gb.size) return 0;
    let inter = 0;
    for (const x of gb) if (ga.has(x)) inter++;
    return inter / Math.min(ga.size, gb.size);
  };
}

export const textSimilarity = (a: string, b: string): number => similarityTo(a)(b);

/**
 * 并单 suggestions: the same caller about the same matter within 72 h, or the same place and
 * matter from other callers within 24 h. Suggestions only; an operator decides.
 */
export async function findDuplicates(store: TicketStore, t: Ticket, c: ClassificationResult, now: Date): Promise<DuplicateSuggestion[]> {
  const out = new Map<string, DuplicateSuggestion>();
  const similarity = similarityTo(t.content);
  if (t.contact) {
    const items = await store.openByContact(t.contact, new Date(now.getTime() - 72 * HOUR), 10);
    for (const o of items) {
      if (o.id === t.id) continue;
      const score = similarity(o.content) + (o.unit && o.unit === t.unit ? 0.3 : 0);
      if (score >= 0.35) out.set(o.id, { id: o.id, number: o.number, reason: 'same_caller', score: Math.min(1, score) });
    }
  }
  // The same key intake stored: the classifier's place, or the crossing the text names (one place
  // whichever of its two roads a citizen said).
  const placeKey = canonicalPlace(c.place, `${t.content} ${t.place ?? ''}`);
  if (placeKey) {
    // Candidates share the place key (indexed), so the query stays small on a busy day instead of
    // scanning every text of the unit's last 24 h.
    const items = await store.openByPlace(placeKey, t.unit, new Date(now.getTime() - 24 * HOUR), 15);
    for (const o of items) {
      if (o.id === t.id || out.has(o.id) || (t.contact && o.contact === t.contact)) continue;
      const score = similarity(o.content) + 0.25;
      if (score >= 0.45) out.set(o.id, { id: o.id, number: o.number, reason: 'same_place', score: Math.min(1, score) });
    }
  }
  return [...out.values()].sort((a, b) => b.score - a.score).slice(0, 5);
}
