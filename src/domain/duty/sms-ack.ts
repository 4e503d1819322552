/** The SMS side of paging: the message, its short acknowledgement code, and parsing replies. */

export const ACK_CODE_LENGTH = 4;

/** 【12345即办】<summary> 回复 <code> 确认接单 */
export function pageSmsText(summary: string, code: string, urgent = true): string {
  return `【12345${urgent ? '即办' : '催签'}】${summary} 回复 ${code} 确认接单`;
}

/** A code the recipient does not already have on another open page. `random` returns [0,1). */
export function pickAckCode(taken: Set<string>, random: () => number): string {
  const space = 10 ** ACK_CODE_LENGTH;
  for (let i = 0; i < 50; i++) {
    const c = String(1000 + Math.floor(random() * (space - 1000))).padStart(ACK_CODE_LENGTH, '0');
    if (!taken.has(c)) return c;
  }
  // A person with dozens of open pages: walk the space rather than give up.
  for (let n = 1000; n < space; n++) if (!taken.has(String(n))) return String(n);
  throw new Error('no free acknowledgement code');
}

/**
 * `arrived`: 现场处置 — the people sent are at the scene: `到达 1234`, `已到达1234`, `到场 1234`, or a
 * bare `到达` for the sender's latest page. The code is the page's own acknowledgement code.
 */
export type AckReply = { kind: 'code'; code: string } | { kind: 'bare' } | { kind: 'arrived'; code: string | null } | { kind: 'other' };

/** The text that tells a duty person how to report the arrival (sent after an acknowledgement). */
export function arrivalHint(code: string | null): string {
  return code ? `到达现场后请回复「到达 ${code}」` : '到达现场后请回复「到达」';
}

const ACK_WORDS = ['确认接单', '确认', '接单', '收到', '好的', '好', 'ack', 'ok', 'y', 'yes', '1'];

/**
 * `1234`, ` ack 1234 `, `确认1234`, `ACK:1234`, full-width digits: a code. `确认`, `收到`, `ack`:
 * a bare acknowledgement of the sender's latest page. Anything else is not an acknowledgement.
 */
export function parseAckReply(raw: string): AckReply {
  const text = raw
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s:：,，。.!！]+/g, ' ')
    .trim();
  const arrived = /^(?:已经?)?(?:到达|到场|抵达)(?:现场)?\s*(\d{3,8})?(?:\s*(?:到达|到场))?$/.exec(text) ?? /^(\d{3,8})\s*(?:已经?)?(?:到达|到场|抵达)(?:现场)?$/.exec(text);
  if (arrived) return { kind: 'arrived', code: arrived[1] ?? null };
  const m = /^(?:(?:ack|确认接单|确认|接单)\s*)?(\d{3,8})(?:\s*(?:确认接单|确认|接单|ack))?$/.exec(text);
  if (m) return { kind: 'code', code: m[1] };
  if (ACK_WORDS.includes(text.replace(/\s+/g, ''))) return { kind: 'bare' };
  return { kind: 'other' };
}
