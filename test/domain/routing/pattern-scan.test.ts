import { readFileSync } from 'node:fs';
import t from 'tap';
import { loadDutyList } from '../../../adapters/fs-config/routing.js';
import { firstCharCodes, PatternScanner, type PatternMatch } from '../../../src/domain/routing/pattern-scan.js';

/** What repeated exec of a global regex finds: the reference the scanner must equal. */
function viaExec(re: RegExp, text: string): PatternMatch[] {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  const out: PatternMatch[] = [];
  for (let m = g.exec(text); m !== null; m = g.exec(text)) {
    if (m[0] === '') {
      g.lastIndex++;
      continue;
    }
    out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

function viaScanner(scanner: PatternScanner, k: number, text: string): PatternMatch[] {
  const out: PatternMatch[] = [];
  scanner.prepare(text)(k, (m) => (out.push(m), true));
  return out;
}

t.test('first sets read from the pattern syntax', async (t) => {
  const chars = (re: RegExp) => {
    const s = firstCharCodes(re);
    return s === null ? null : [...s].map((c) => String.fromCharCode(c)).sort().join('');
  };
  t.equal(chars(/(?:老人|小孩).{0,6}(烧|火)/u), '小老');
  t.equal(chars(/(?<![香抽])烟(?!草)|火/u), '火烟', 'a look-behind consumes nothing');
  t.equal(chars(/[一二三]?个人/u), '一三个二', 'an optional class adds to what follows');
  t.equal(chars(/[0-9]+个/u), '0123456789');
  t.equal(chars(/.{0,3}着了/u), null, 'a leading dot: any character');
  t.equal(chars(/[^,。]着/u), null, 'a negated class: any character');
  t.equal(chars(/(好|坏)?/u), null, 'a pattern that can match nothing is scanned the ordinary way');
  t.equal(chars(/\s*火/u), null);
  t.equal(chars(/火/iu), null, 'case-insensitive patterns are scanned the ordinary way');
});

t.test('the scanner finds exactly what exec finds, on every 即办 pattern and real long texts', async (t) => {
  const patterns = loadDutyList().urgent.flatMap((r) => r.patterns);
  const scanner = new PatternScanner(patterns);
  const indexed = patterns.filter((_, k) => scanner.isIndexed(k)).length;
  t.ok(indexed >= patterns.length * 0.9, `${indexed}/${patterns.length} patterns scanned through their first set`);
  const texts = ['dev-long-a.jsonl', 'dev-long-b.jsonl']
    .flatMap((f) => readFileSync(new URL(`../../fixtures/classify/${f}`, import.meta.url), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const urgentTexts = readFileSync(new URL('../../fixtures/urgency/labelled.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  let compared = 0;
  let matches = 0;
  for (const text of [...texts, ...urgentTexts]) {
    for (let k = 0; k < patterns.length; k++) {
      const want = viaExec(patterns[k], text);
      const got = viaScanner(scanner, k, text);
      matches += want.length;
      compared++;
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        t.same(got, want, `pattern ${k} on 「${text.slice(0, 30)}…」`);
        return;
      }
    }
  }
  t.ok(matches > 100, `${compared} pattern×text scans agree (${matches} matches)`);
});

t.test('random texts over the patterns’ own characters agree with exec', async (t) => {
  const patterns = [/(?:老人|小孩).{0,6}(?<![发])烧(?![烤])/gu, /[一二三]?个人.{0,2}(倒|晕)/gu, /(?<=[被触])电|电(?=[到死])/gu, /.{0,2}着了/gu];
  const scanner = new PatternScanner(patterns);
  const alphabet = '老人小孩烧烤发一二三个倒晕被触电到死着了，。的';
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % alphabet.length);
  for (let n = 0; n < 500; n++) {
    const text = Array.from({ length: 5 + (n % 40) }, () => alphabet[rand()]).join('');
    for (let k = 0; k < patterns.length; k++) {
      const want = viaExec(patterns[k], text);
      const got = viaScanner(scanner, k, text);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        t.same(got, want, `pattern ${k} on ${text}`);
        return;
      }
    }
  }
  t.pass('500 random texts × 4 patterns agree');
});

t.test('a scan stops when the callback says so', async (t) => {
  const scanner = new PatternScanner([/火/gu]);
  const seen: number[] = [];
  scanner.prepare('火火火火')(0, (m) => (seen.push(m.start), seen.length < 2));
  t.same(seen, [0, 1]);
});
