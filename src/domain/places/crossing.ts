/**
 * A crossing of two roads is one place, however a citizen says it: 红都大道和绵江路交叉口,
 * 绵江路与红都大道路口, 红都大道/绵江路, 绵江路红都大道路口. The classifier names the first road
 * it finds, so reports of one broken traffic light split between road A and road B; hotspot and
 * 并单 matching use `canonicalPlace` instead, which names the crossing the same way every time.
 */

/** A road name: a few characters and a road word (not 街道, the administrative unit). */
const NAME = '[\\u4e00-\\u9fa5A-Za-z0-9]{1,8}?';
const ROAD = `${NAME}(?:大道|大街|路|街(?!道)|巷)`;
const CROSSING_WORD = '(?:交叉路口|交叉口|十字路口|丁字路口|交汇处|交界处|交会处|路口)';

const PATTERNS: RegExp[] = [
  // A和B交叉口, A与B路口, A、B交汇处
  new RegExp(`(${ROAD})(?:和|与|跟|同|及|、)(${ROAD})的?${CROSSING_WORD}`, 'u'),
  // A/B (with or without a crossing word)
  new RegExp(`(${ROAD})\\s*[/／\\\\|]\\s*(${ROAD})`, 'u'),
  // A路B路口, A大道B路交叉口
  new RegExp(`(${ROAD})(${ROAD})的?${CROSSING_WORD}`, 'u'),
  // A大道B路口 (B路 + 口)
  new RegExp(`(${ROAD})(${NAME}路)口(?![腔岸碑罩号])`, 'u'),
];

/** What may stand before a road name in the same run of characters: a township or 街道, a 的, 门口. */
const LEADING = /^.*(?:[镇乡村区县市省在的到从于是口旁边近]|街道|社区)/u;

function cleanRoad(raw: string): string {
  return raw.replace(LEADING, '');
}

export interface Crossing {
  roads: [string, string];
  /** The one name of this crossing: both roads in a fixed order, e.g. 红都大道与绵江路交叉口. */
  label: string;
}

/** The crossing a text names, if any. */
export function crossingIn(text: string | null | undefined): Crossing | null {
  if (!text) return null;
  const s = text.replace(/\s+/g, ' ');
  for (const re of PATTERNS) {
    const m = re.exec(s);
    if (!m) continue;
    const a = cleanRoad(m[1]!);
    const b = cleanRoad(m[2]!);
    if (!a || !b || a === b || !/(?:大道|大街|路|街|巷)$/u.test(a) || !/(?:大道|大街|路|街|巷)$/u.test(b)) continue;
    const roads = [a, b].sort() as [string, string];
    return { roads, label: `${roads[0]}与${roads[1]}交叉口` };
  }
  return null;
}

/**
 * The place to match tickets on: the crossing named in the place or the text, else the place as
 * given. A crossing wins over a single road the classifier picked, since that road is only one
 * half of it.
 */
export function canonicalPlace(place: string | null | undefined, text: string | null | undefined): string | null {
  const c = crossingIn(place) ?? crossingIn(text);
  if (c) return c.label;
  return place ?? null;
}
