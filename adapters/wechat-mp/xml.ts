/**
 * WeChat Official Account message XML: parsing what WeChat POSTs to us and building what we answer.
 *
 * The webhook is reachable from the internet, so the parser is defensive: a byte limit, no DOCTYPE
 * or ENTITY declarations (no entity expansion attacks), a shallow nesting limit, and a validation
 * pass before parsing so malformed XML is refused instead of silently half-parsed.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError, invalid } from '../../src/domain/errors.js';
import type { WechatMpCrypto } from './crypto.js';

/** WeChat messages are a few KB at most (text Content is capped at 2048 bytes by WeChat). */
export const MAX_XML_BYTES = 64 * 1024;

interface Common {
  toUserName: string;
  /** The citizen's openid. */
  fromUserName: string;
  /** Seconds since the epoch, as WeChat sends it. */
  createTime: number;
}

export type IncomingMpMessage =
  | (Common & { type: 'text'; content: string; msgId: string })
  | (Common & { type: 'image'; picUrl: string; mediaId: string; msgId: string })
  | (Common & { type: 'voice'; mediaId: string; format: string; recognition?: string; msgId: string })
  /** Location_X is the latitude and Location_Y the longitude in WeChat's naming. */
  | (Common & { type: 'location'; lat: number; lng: number; scale: number; label: string; msgId: string })
  | (Common & { type: 'event'; event: 'subscribe' | 'unsubscribe' | 'CLICK'; eventKey?: string })
  | (Common & { type: 'unsupported'; msgType: string; event?: string; msgId?: string });

export interface EncryptedEnvelope {
  toUserName?: string;
  encrypt: string;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  // MsgId is a 64-bit integer: parsing it as a JS number would corrupt it.
  parseTagValue: false,
  trimValues: true,
  // Only the five predefined XML entities remain possible once DOCTYPE is refused below.
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 8,
});

const FORBIDDEN_DECL_RE = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;
const CDATA_RE = /<!\[CDATA\[[\s\S]*?]]>/g;

/** Parses, validates and returns the children of the root `<xml>` element. */
function parseRoot(xml: string): Record<string, unknown> {
  if (typeof xml !== 'string') throw invalid('wechat_xml', 'body is not text');
  if (Buffer.byteLength(xml, 'utf8') > MAX_XML_BYTES) {
    throw new AppError('too_large', 'wechat_xml_too_large', `XML larger than ${MAX_XML_BYTES} bytes`);
  }
  // CDATA is removed before the check so a citizen who types "<!DOCTYPE" is not refused.
  if (FORBIDDEN_DECL_RE.test(xml.replace(CDATA_RE, ''))) throw invalid('wechat_xml_doctype', 'DOCTYPE and entity declarations are not accepted');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw invalid('wechat_xml', `malformed XML: ${valid.err.msg}`, { line: valid.err.line });
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw invalid('wechat_xml', 'XML could not be parsed', { cause: String(err) });
  }
  const root = (doc as Record<string, unknown> | null)?.xml;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw invalid('wechat_xml', 'root element <xml> missing');
  return root as Record<string, unknown>;
}

function optionalField(root: Record<string, unknown>, name: string): string | undefined {
  const v = root[name];
  if (v === undefined) return undefined;
  // A repeated tag becomes an array and a nested one an object: neither is a WeChat message.
  if (typeof v !== 'string') throw invalid('wechat_xml_field', `field ${name} is not a single text value`);
  return v;
}

function field(root: Record<string, unknown>, name: string): string {
  const v = optionalField(root, name);
  if (v === undefined) throw invalid('wechat_xml_field', `field ${name} missing`);
  return v;
}

function numberField(root: Record<string, unknown>, name: string): number {
  const raw = field(root, name);
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw invalid('wechat_xml_field', `field ${name} is not a number`);
  return n;
}

/** Parses a (plain, or already decrypted) incoming message into the typed union. */
export function parseIncomingMessage(xml: string): IncomingMpMessage {
  const root = parseRoot(xml);
  const common: Common = {
    toUserName: field(root, 'ToUserName'),
    fromUserName: field(root, 'FromUserName'),
    createTime: numberField(root, 'CreateTime'),
  };
  const msgType = field(root, 'MsgType');
  switch (msgType) {
    case 'text':
      return { ...common, type: 'text', content: field(root, 'Content'), msgId: field(root, 'MsgId') };
    case 'image':
      return { ...common, type: 'image', picUrl: field(root, 'PicUrl'), mediaId: field(root, 'MediaId'), msgId: field(root, 'MsgId') };
    case 'voice': {
      const recognition = optionalField(root, 'Recognition');
      return {
        ...common,
        type: 'voice',
        mediaId: field(root, 'MediaId'),
        format: field(root, 'Format'),
        // Recognition is present but empty when speech recognition heard nothing.
        ...(recognition ? { recognition } : {}),
        msgId: field(root, 'MsgId'),
      };
    }
    case 'location':
      return {
        ...common,
        type: 'location',
        lat: numberField(root, 'Location_X'),
        lng: numberField(root, 'Location_Y'),
        scale: numberField(root, 'Scale'),
        label: optionalField(root, 'Label') ?? '',
        msgId: field(root, 'MsgId'),
      };
    case 'event': {
      const event = field(root, 'Event');
      const eventKey = optionalField(root, 'EventKey');
      if (event === 'subscribe' || event === 'unsubscribe' || event === 'CLICK') {
        return { ...common, type: 'event', event, ...(eventKey ? { eventKey } : {}) };
      }
      return { ...common, type: 'unsupported', msgType, event };
    }
    default: {
      const msgId = optionalField(root, 'MsgId');
      return { ...common, type: 'unsupported', msgType, ...(msgId ? { msgId } : {}) };
    }
  }
}

/**
 * The key WeChat retries share: MsgId for messages, FromUserName + CreateTime for events
 * (events have no MsgId).
 */
export function dedupeKey(m: IncomingMpMessage): string {
  if ('msgId' in m && m.msgId) return m.msgId;
  return `${m.fromUserName}:${m.createTime}`;
}

/** Parses the safe-mode POST body: `<xml><ToUserName/><Encrypt/></xml>`. */
export function parseEncryptedEnvelope(xml: string): EncryptedEnvelope {
  const root = parseRoot(xml);
  const encrypt = field(root, 'Encrypt');
  if (encrypt === '') throw invalid('wechat_xml_field', 'field Encrypt is empty');
  const toUserName = optionalField(root, 'ToUserName');
  return { encrypt, ...(toUserName ? { toUserName } : {}) };
}

/** CDATA cannot contain `]]>`; split it across two sections so any text round-trips. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** XML 1.0 forbids most control characters even inside CDATA; WeChat would reject the reply. */
const stripControl = (s: string): string => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');

/** Passive text reply. `toUser` is the citizen's openid, `fromUser` the account's original id. */
export function buildTextReply(p: { toUser: string; fromUser: string; content: string; createTime: number }): string {
  return (
    '<xml>' +
    `<ToUserName>${cdata(stripControl(p.toUser))}</ToUserName>` +
    `<FromUserName>${cdata(stripControl(p.fromUser))}</FromUserName>` +
    `<CreateTime>${Math.floor(p.createTime)}</CreateTime>` +
    `<MsgType>${cdata('text')}</MsgType>` +
    `<Content>${cdata(stripControl(p.content))}</Content>` +
    '</xml>'
  );
}

/** Safe-mode reply envelope around an already encrypted and signed reply. */
export function buildEncryptedReply(p: { encrypt: string; msgSignature: string; timestamp: string; nonce: string }): string {
  if (!/^\d+$/.test(p.timestamp)) throw invalid('wechat_timestamp', 'timestamp must be digits');
  return (
    '<xml>' +
    `<Encrypt>${cdata(p.encrypt)}</Encrypt>` +
    `<MsgSignature>${cdata(p.msgSignature)}</MsgSignature>` +
    `<TimeStamp>${p.timestamp}</TimeStamp>` +
    `<Nonce>${cdata(stripControl(p.nonce))}</Nonce>` +
    '</xml>'
  );
}

/** Encrypts a passive reply and wraps it: what a safe-mode webhook returns. */
export function sealReply(crypto: WechatMpCrypto, replyXml: string, timestamp: string, nonce: string): string {
  return buildEncryptedReply(crypto.seal(replyXml, timestamp, nonce));
}
