/**
 * Township (乡镇) and place from the words of the request. Listed place names decide the township;
 * the most specific one wins (红都社区 over 红都). When no listed place is named, a word that looks
 * like a place (…村, …小区, …路) is still returned as `place` for duplicate detection, without
 * a township, because guessing a township from an unknown name would misdirect the ticket.
 */
import type { Township } from './duty-list.js';
import { keepMostSpecific, PhraseIndex } from './phrase-index.js';
import type { Token } from './segmenter.js';

export interface PlaceGuess {
  township: string | null;
  place: string | null;
}

const PLACE_SUFFIX = /(小区|花园|社区|大道|路|街|巷|村|组|圩|市场|广场|公园|大桥|桥)$/u;
const PLACE_SUFFIX_WORDS = new Set(['小区', '花园', '社区', '大道', '路', '街', '巷', '村', '圩', '市场', '广场', '公园']);
/** Words jieba may glue to a place that are not part of it. */
const NOT_PLACE = new Set(['马路', '道路', '公路', '走路', '这条路', '那条路', '路上', '小区里', '村里', '农村', '乡村', '街上', '我们村', '我们小区', '本村', '全村', '隔壁村', '村民', '社区', '小区', '市场']);

/** Words that end a place name when reading backwards from 小区/村/路. */
const NOT_NAME = new Set([
  '我们', '我家', '你们', '他们', '这个', '那个', '附近', '旁边', '整个', '一个', '这', '那', '的', '在', '住', '住在', '是', '了',
  '到', '从', '去', '我', '个', '有', '门口', '对面', '隔壁', '和', '跟', '家', '本', '全', '各', '每个', '好几个', '几个',
]);

export class PlaceFinder {
  private readonly index = new PhraseIndex<string>();
  private readonly townshipNames = new Set<string>();

  constructor(townships: readonly Township[]) {
    for (const t of townships) {
      this.townshipNames.add(t.name);
      const places = new Set(t.places);
      // People name a township without its 乡/镇 (黄柏那边, 冈面我们村).
      const stem = t.name.replace(/[乡镇]$/u, '');
      if (stem !== t.name && stem.length >= 2) places.add(stem);
      for (const p of places) this.index.add(p, t.name);
    }
  }

  words(): IterableIterator<string> {
    return this.index.phrases();
  }

  /** Where listed place names stand in the text (most specific), for masking them. */
  spans(text: string): { start: number; end: number }[] {
    return keepMostSpecific(this.index.findAll(text));
  }

  find(text: string, tokens: readonly Token[]): PlaceGuess {
    const matches = keepMostSpecific(this.index.findAll(text));
    if (matches.length > 0) {
      const ranked = [...matches].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
      // 叶坪镇洋溪村: a village named right after a township is in that township, in the caller's
      // own words, even where the list (or another township) knows a village of that name.
      const byStart = [...matches].sort((a, b) => a.start - b.start);
      for (let i = 0; i < byStart.length; i++) {
        const m = byStart[i];
        const t = m.payload[0];
        if (!this.isTownshipName(m.phrase, t)) continue;
        for (let j = i + 1; j < byStart.length && byStart[j].start <= m.end + 1; j++) {
          const v = byStart[j];
          if (v.start >= m.end && !this.isTownshipName(v.phrase, v.payload[0]) && !v.payload.includes(t)) return { township: t, place: v.phrase };
        }
      }
      const best = ranked[0];
      const township = best.payload[0];
      // 从武阳到谢坊: two townships named with equal precision; better none than a wrong one.
      const rival = ranked.find((m) => m.payload[0] !== township && m.end - m.start === best.end - best.start);
      if (rival) return { township: null, place: best.phrase };
      // Naming only the township (象湖镇) says where, but not which place.
      const specific = matches.find((m) => !this.isTownshipName(m.phrase, township));
      return { township, place: specific ? specific.phrase : null };
    }
    return { township: null, place: guessPlace(tokens) };
  }

  private isTownshipName(phrase: string, township: string): boolean {
    return phrase === township || township.startsWith(phrase) || phrase === township.replace(/[镇乡]$/u, '');
  }
}

function guessPlace(tokens: readonly Token[]): string | null {
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i].word;
    if (PLACE_SUFFIX_WORDS.has(w) && i > 0) {
      // jieba splits unknown names (幸福/里/小区): take back the name pieces, not 我们/门口/的.
      let name = '';
      for (let j = i - 1; j >= 0 && name.length < 6; j--) {
        const piece = tokens[j].word;
        if (!/^[\u4e00-\u9fa5A-Z0-9]+$/u.test(piece) || NOT_NAME.has(piece)) break;
        name = piece + name;
      }
      const tail = tokens[i + 1]?.word === '小区' && w !== '小区' ? '小区' : '';
      if (name.length >= 2 && !NOT_PLACE.has(name + w)) return name + w + tail;
    } else if (w.length >= 3 && PLACE_SUFFIX.test(w) && !NOT_PLACE.has(w) && /^[\u4e00-\u9fa5A-Z0-9]+$/u.test(w)) {
      return w;
    }
  }
  return null;
}
