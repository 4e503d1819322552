import t, { type Test } from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { AppError } from '../../../src/domain/errors.js';
import { WechatMpCrypto, msgSignature } from '../../../adapters/wechat-mp/crypto.js';
import {
  MAX_XML_BYTES,
  buildEncryptedReply,
  buildTextReply,
  cdata,
  dedupeKey,
  parseEncryptedEnvelope,
  parseIncomingMessage,
  sealReply,
} from '../../../adapters/wechat-mp/xml.js';

const head = (type: string) =>
  `<xml><ToUserName><![CDATA[gh_123]]></ToUserName><FromUserName><![CDATA[oCitizen1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[${type}]]></MsgType>`;

function rejects(t: Test, xml: string, kind: string, code: string, msg: string) {
  try {
    parseIncomingMessage(xml);
    t.fail(`${msg}: accepted`);
  } catch (err) {
    t.ok(err instanceof AppError, `${msg}: AppError`);
    t.equal((err as AppError).kind, kind, `${msg}: kind`);
    t.equal((err as AppError).code, code, `${msg}: code`);
  }
}

t.test('text: Content and the 64-bit MsgId kept exactly', async (t) => {
  const m = parseIncomingMessage(`${head('text')}<Content><![CDATA[解放路路灯坏了 <b>&amp;</b>]]></Content><MsgId>4561255354251345929</MsgId></xml>`);
  t.same(m, { toUserName: 'gh_123', fromUserName: 'oCitizen1', createTime: 1700000000, type: 'text', content: '解放路路灯坏了 <b>&amp;</b>', msgId: '4561255354251345929' });
  const escaped = parseIncomingMessage(`${head('text')}<Content>a &amp; b &lt; c</Content><MsgId>1</MsgId></xml>`);
  t.equal(escaped.type === 'text' && escaped.content, 'a & b < c', 'predefined entities outside CDATA are decoded');
  t.equal(dedupeKey(m), '4561255354251345929');
});

t.test('image, voice, location', async (t) => {
  t.same(parseIncomingMessage(`${head('image')}<PicUrl><![CDATA[http://mmbiz.qpic.cn/x.jpg]]></PicUrl><MediaId><![CDATA[media1]]></MediaId><MsgId>11</MsgId></xml>`), {
    toUserName: 'gh_123', fromUserName: 'oCitizen1', createTime: 1700000000, type: 'image', picUrl: 'http://mmbiz.qpic.cn/x.jpg', mediaId: 'media1', msgId: '11',
  });
  const voice = parseIncomingMessage(`${head('voice')}<MediaId><![CDATA[v1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[路灯坏了]]></Recognition><MsgId>12</MsgId></xml>`);
  t.match(voice, { type: 'voice', mediaId: 'v1', format: 'amr', recognition: '路灯坏了', msgId: '12' });
  const silent = parseIncomingMessage(`${head('voice')}<MediaId><![CDATA[v2]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[]]></Recognition><MsgId>13</MsgId></xml>`);
  t.notOk('recognition' in silent, 'empty Recognition is left out');
  const noRec = parseIncomingMessage(`${head('voice')}<MediaId><![CDATA[v3]]></MediaId><Format><![CDATA[speex]]></Format><MsgId>14</MsgId></xml>`);
  t.match(noRec, { type: 'voice', format: 'speex' });
  t.same(
    parseIncomingMessage(`${head('location')}<Location_X>25.885</Location_X><Location_Y>116.027</Location_Y><Scale>15</Scale><Label><![CDATA[江西省赣州市瑞金市象湖镇解放路]]></Label><MsgId>15</MsgId></xml>`),
    { toUserName: 'gh_123', fromUserName: 'oCitizen1', createTime: 1700000000, type: 'location', lat: 25.885, lng: 116.027, scale: 15, label: '江西省赣州市瑞金市象湖镇解放路', msgId: '15' },
  );
  rejects(t, `${head('location')}<Location_X>north</Location_X><Location_Y>1</Location_Y><Scale>15</Scale><MsgId>16</MsgId></xml>`, 'invalid', 'wechat_xml_field', 'non-numeric latitude');
});

t.test('events: subscribe, unsubscribe, CLICK; others unsupported', async (t) => {
  const sub = parseIncomingMessage(`${head('event')}<Event><![CDATA[subscribe]]></Event></xml>`);
  t.same(sub, { toUserName: 'gh_123', fromUserName: 'oCitizen1', createTime: 1700000000, type: 'event', event: 'subscribe' });
  t.equal(dedupeKey(sub), 'oCitizen1:1700000000', 'events dedupe on FromUserName + CreateTime');
  t.match(parseIncomingMessage(`${head('event')}<Event><![CDATA[unsubscribe]]></Event></xml>`), { type: 'event', event: 'unsubscribe' });
  t.match(parseIncomingMessage(`${head('event')}<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[REPORT]]></EventKey></xml>`), { type: 'event', event: 'CLICK', eventKey: 'REPORT' });
  t.same(parseIncomingMessage(`${head('event')}<Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[https://x]]></EventKey></xml>`), {
    toUserName: 'gh_123', fromUserName: 'oCitizen1', createTime: 1700000000, type: 'unsupported', msgType: 'event', event: 'VIEW',
  });
  t.same(parseIncomingMessage(`${head('video')}<MediaId>m</MediaId><MsgId>99</MsgId></xml>`), {
    toUserName: 'gh_123', fromUserName: 'oCitizen1', createTime: 1700000000, type: 'unsupported', msgType: 'video', msgId: '99',
  });
});

t.test('hostile and malformed input is refused cleanly', async (t) => {
  const bomb =
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
    `${head('text')}<Content>&b;</Content><MsgId>1</MsgId></xml>`;
  rejects(t, bomb, 'invalid', 'wechat_xml_doctype', 'entity expansion');
  rejects(t, `<!doctype xml SYSTEM "file:///etc/passwd">${head('text')}<Content>x</Content><MsgId>1</MsgId></xml>`, 'invalid', 'wechat_xml_doctype', 'external DTD, lower case');
  const typed = parseIncomingMessage(`${head('text')}<Content><![CDATA[我在网页上看到 <!DOCTYPE html>]]></Content><MsgId>1</MsgId></xml>`);
  t.equal(typed.type === 'text' && typed.content, '我在网页上看到 <!DOCTYPE html>', 'the word DOCTYPE inside CDATA is just text');

  rejects(t, `${head('text')}<Content>${'长'.repeat(MAX_XML_BYTES)}</Content><MsgId>1</MsgId></xml>`, 'too_large', 'wechat_xml_too_large', 'huge body');
  rejects(t, `${head('text')}<Content>x</Content><MsgId>1</MsgId>`, 'invalid', 'wechat_xml', 'unclosed root');
  rejects(t, `${head('text')}<Content>x</MsgId></xml>`, 'invalid', 'wechat_xml', 'mismatched tags');
  rejects(t, 'not xml at all', 'invalid', 'wechat_xml', 'plain text');
  rejects(t, '', 'invalid', 'wechat_xml', 'empty');
  rejects(t, '<root><a>1</a></root>', 'invalid', 'wechat_xml', 'wrong root');
  rejects(t, `<xml>${'<a>'.repeat(50)}x${'</a>'.repeat(50)}</xml>`, 'invalid', 'wechat_xml', 'deep nesting');
  rejects(t, `${head('text')}<Content>a</Content><Content>b</Content><MsgId>1</MsgId></xml>`, 'invalid', 'wechat_xml_field', 'repeated field');
  rejects(t, `${head('text')}<Content><b>nested</b></Content><MsgId>1</MsgId></xml>`, 'invalid', 'wechat_xml_field', 'nested field');
  rejects(t, `${head('text')}<MsgId>1</MsgId></xml>`, 'invalid', 'wechat_xml_field', 'missing Content');
  rejects(t, `<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>`, 'invalid', 'wechat_xml_field', 'bad CreateTime');
  rejects(t, 42 as unknown as string, 'invalid', 'wechat_xml', 'not a string');
});

t.test('encrypted envelope in, passive and encrypted replies out', async (t) => {
  const env = parseEncryptedEnvelope('<xml><ToUserName><![CDATA[gh_123]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>');
  t.same(env, { toUserName: 'gh_123', encrypt: 'abc+/=' });
  t.throws(() => parseEncryptedEnvelope('<xml><ToUserName>gh</ToUserName></xml>'), { kind: 'invalid', code: 'wechat_xml_field' });

  const reply = buildTextReply({ toUser: 'oCitizen1', fromUser: 'gh_123', content: '已受理 ]]> 工单号\u0007', createTime: 1700000001.7 });
  const plain = new XMLParser({ parseTagValue: false }).parse(reply).xml;
  t.same(plain, { ToUserName: 'oCitizen1', FromUserName: 'gh_123', CreateTime: '1700000001', MsgType: 'text', Content: '已受理 ]]> 工单号' }, 'round-trips, `]]>` survives, control chars dropped');
  t.equal(cdata('a]]>b'), '<![CDATA[a]]]]><![CDATA[>b]]>');

  const envelope = buildEncryptedReply({ encrypt: 'ENC==', msgSignature: 'abc123', timestamp: '1700000002', nonce: 'n1' });
  t.equal(envelope, '<xml><Encrypt><![CDATA[ENC==]]></Encrypt><MsgSignature><![CDATA[abc123]]></MsgSignature><TimeStamp>1700000002</TimeStamp><Nonce><![CDATA[n1]]></Nonce></xml>');
  t.throws(() => buildEncryptedReply({ encrypt: 'E', msgSignature: 's', timestamp: '17<x/>', nonce: 'n' }), { kind: 'invalid', code: 'wechat_timestamp' });

  // Seal with Vector A's key and random, then open it as WeChat would.
  const crypto = new WechatMpCrypto({ token: 'tok', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', appId: 'wxb11529c136998cb6' }, () => Buffer.from('aaaabbbbccccdddd'));
  const sealed = sealReply(crypto, reply, '1700000003', 'nonce9');
  const outer = parseEncryptedEnvelope(sealed);
  const fields = new XMLParser({ parseTagValue: false }).parse(sealed).xml;
  t.equal(fields.MsgSignature, msgSignature('tok', '1700000003', 'nonce9', outer.encrypt));
  t.equal(fields.TimeStamp, '1700000003');
  t.equal(fields.Nonce, 'nonce9');
  t.equal(crypto.open({ timestamp: '1700000003', nonce: 'nonce9', msgSignature: fields.MsgSignature, encrypt: outer.encrypt }), reply);
});
