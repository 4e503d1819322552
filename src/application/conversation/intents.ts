/**
 * What a short citizen message means: a command, a yes/no, a follow-up rating. Matching is on the
 * whole (normalised) message, so a description that merely starts with "取消…" stays a description.
 */
import { callbackPhone } from '../../domain/phone.js';
import { parseTicketNumber } from '../../domain/tickets/number.js';

/** Full-width digits/letters to ASCII, trimmed, trailing punctuation and spaces removed, lower case. */
export function normalise(text: string): string {
  const s = text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .trim()
    .toLowerCase();
  // A lone "?" is a question for help, so punctuation is only stripped when words remain.
  const stripped = s.replace(/[\s!?.,~。！？，、…]+$/u, '');
  return stripped === '' ? s : stripped;
}

export type Command =
  | { kind: 'query'; number: string | null }
  | { kind: 'cancel' }
  | { kind: 'operator' }
  | { kind: 'help' };

const QUERY_RE = /^(?:查询进度|进度查询|查进度|查询工单|查询)\s*[:：]?\s*(.*)$/;
/** Loose shape of a ticket number as typed; anything wordier is a question, not a lookup. */
const NUMBER_LIKE_RE = /^[a-z0-9][a-z0-9\- #*]{3,39}$/i;

export function parseCommand(text: string): Command | null {
  const s = normalise(text);
  const q = QUERY_RE.exec(s);
  if (q) {
    const rest = q[1].trim();
    if (rest === '') return { kind: 'query', number: null };
    // "查询一下社保怎么交" is a 咨询 for the hotline, not a lookup.
    if (NUMBER_LIKE_RE.test(rest)) return { kind: 'query', number: parseTicketNumber(rest) ?? rest.toUpperCase() };
    return null;
  }
  if (/^(取消|取消反映|撤销|退出|不反映了)$/.test(s)) return { kind: 'cancel' };
  if (/^(人工|人工客服|转人工|人工服务|找人工|客服)$/.test(s)) return { kind: 'operator' };
  if (/^(帮助|help|\?|菜单|使用说明)$/.test(s)) return { kind: 'help' };
  return null;
}

export function looksLikeTicketNumber(text: string): string | null {
  const s = normalise(text);
  return NUMBER_LIKE_RE.test(s) ? parseTicketNumber(s) ?? s.toUpperCase() : null;
}

export type ConfirmAnswer = 'yes' | 'no' | 'edit' | 'edit_description' | 'edit_place';

export function parseConfirm(text: string): ConfirmAnswer | null {
  const s = normalise(text);
  if (/^(是|是的|对|对的|确认|提交|确认提交|好|好的|可以|没问题|正确|y|yes|ok)$/.test(s)) return 'yes';
  if (/^(否|放弃|不提交|算了|不用了|no|n)$/.test(s)) return 'no';
  if (/^(修改|更改|更正|不对|不是|不正确|有误|改一下)$/.test(s)) return 'edit';
  if (/^(修改|更改|更正)(描述|问题|内容)$/.test(s)) return 'edit_description';
  if (/^(修改|更改|更正)(地点|位置|地址)$/.test(s)) return 'edit_place';
  return null;
}

export function parseEditChoice(text: string): 'description' | 'place' | null {
  const s = normalise(text);
  if (/^(1|描述|问题|内容|问题描述)$/.test(s)) return 'description';
  if (/^(2|地点|位置|地址|发生地点)$/.test(s)) return 'place';
  return null;
}

export interface FollowupReply {
  satisfaction?: '满意' | '基本满意' | '不满意';
  solved?: boolean;
  /** Words after the answer ("3 未解决，坑还在" → "坑还在"): the citizen's comment, kept with the result. */
  comment?: string;
}

const SEPARATORS = /^[\s,，、;；:：。.!！?？~-]+/u;
const SOLVED_NO = /^(没有得到解决|还没有解决|还没解决|没有解决|未解决|没解决|不解决)/;
const SOLVED_YES = /^(已经解决|得到解决|已解决|解决了)/;
/** A bare digit answers only when what follows cannot make it part of a number or a place ("3号楼", "12"). */
const DIGIT = /^([123])(?=$|[\s,，、;；:：。.!！?？~-]|已|未|没|还|解|得|基|不|满|非)/u;

/**
 * 1/2/3 and 已解决/未解决 as answers to a 回访, alone or together ("1 已解决"). The answer comes
 * first; whatever follows is the citizen's comment ("3 未解决，坑还在"), never a new request. A
 * message that does not start with an answer is not one ("问题还是没有解决…" is a new report).
 */
export function parseFollowupReply(text: string): FollowupReply | null {
  let rest = normalise(text).replace(SEPARATORS, '');
  if (rest.length === 0) return null;
  const out: FollowupReply = {};
  const take = (re: RegExp): boolean => {
    const m = re.exec(rest);
    if (!m) return false;
    rest = rest.slice(m[0].length).replace(SEPARATORS, '');
    return true;
  };
  for (let i = 0; i < 2; i++) {
    if (out.solved === undefined) {
      if (take(SOLVED_NO)) {
        out.solved = false;
        continue;
      }
      if (take(SOLVED_YES)) {
        out.solved = true;
        continue;
      }
    }
    if (out.satisfaction === undefined) {
      if (take(/^基本满意/)) {
        out.satisfaction = '基本满意';
        continue;
      }
      const d = DIGIT.exec(rest);
      if (d) {
        rest = rest.slice(1).replace(SEPARATORS, '');
        out.satisfaction = d[1] === '1' ? '满意' : d[1] === '2' ? '基本满意' : '不满意';
        continue;
      }
      if (take(/^不满意/)) {
        out.satisfaction = '不满意';
        continue;
      }
      if (take(/^(非常满意|满意)/)) {
        out.satisfaction = '满意';
        continue;
      }
    }
    break;
  }
  if (out.satisfaction === undefined && out.solved === undefined) return null;
  const comment = rest.replace(SEPARATORS, '').trim();
  if (comment) out.comment = comment.slice(0, 500);
  return out;
}

export function isGreetingOnly(text: string): boolean {
  return /^((你好|您好|在吗|在不在|有人吗|hi|hello|哈喽|喂|嗨|早上好|下午好|晚上好)[\s啊呀呢吗,.!?~，。！？、]*)+$/i.test(normalise(text));
}

/** A mainland mobile or landline number typed alone ("138 0013 8000", "+86 13800138000", "0797-1234567"). */
export function parseCallbackPhone(text: string): string | null {
  // The label and a closing full stop are the chat's; the number itself goes to the one normaliser.
  const s = text
    .trim()
    .replace(/^(手机号码|手机号|联系电话|回访电话|电话|手机|号码)\s*[:：是为]?\s*/, '')
    .replace(/[。.!！]+$/u, '');
  return callbackPhone(s);
}

export function isCallbackSkip(text: string): boolean {
  return /^(跳过|略过|不用|不用了|不需要|不留|不留了|不方便|无|没有)$/.test(text.trim().replace(/[\s。.!！]+$/u, ''));
}
