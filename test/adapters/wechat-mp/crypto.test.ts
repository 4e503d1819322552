import t, { type Test } from 'tap';
import { VECTOR_B_SEALED } from '../../fixtures/wechat-mp/vector-b.js';
import { createCipheriv } from 'node:crypto';
import { AppError } from '../../../src/domain/errors.js';
import {
  WechatMpCrypto,
  decodeAesKey,
  decryptMessage,
  encryptMessage,
  msgSignature,
  pkcs7Pad,
  pkcs7Unpad,
  plainSignature,
  verifyMsgSignature,
  verifyPlainSignature,
} from '../../../adapters/wechat-mp/crypto.js';

// Vectors from /work/shared/reference/protocol-vectors.md.
const A = {
  key: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wxb11529c136998cb6',
  random: Buffer.from('aaaabbbbccccdddd', 'utf8'),
  message: '我是中文abcd123',
  cipher: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
};
const B = {
  ...VECTOR_B_SEALED,
  xml:
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n' +
    '<FromUserName><![CDATA[mycreate]]></FromUserName>\n' +
    '<CreateTime>1409659813</CreateTime>\n' +
    '<MsgType><![CDATA[text]]></MsgType>\n' +
    '<Content><![CDATA[hello]]></Content>\n' +
    '<MsgId>4561255354251345929</MsgId>\n' +
    '<AgentID>218</AgentID>\n' +
    '</xml>',
};

/** Asserts fn throws AppError kind 'invalid' with the code given. */
function throwsInvalid(t: Test, fn: () => unknown, code: string, msg: string) {
  try {
    fn();
    t.fail(`${msg}: did not throw`);
  } catch (err) {
    t.ok(err instanceof AppError, `${msg}: AppError`);
    t.equal((err as AppError).kind, 'invalid', `${msg}: kind`);
    t.equal((err as AppError).code, code, `${msg}: code`);
  }
}

/** Encrypts raw plaintext bytes with the WeChat key/IV, bypassing our own framing. */
function rawEncrypt(encodingAESKey: string, plain: Buffer): string {
  const key = decodeAesKey(encodingAESKey);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

t.test('plain signature: sha1 of the sorted parts, verified in constant time', async (t) => {
  // sorted: ['1409659813', '1372623149', 'QDG6eK'] → '13726231491409659813QDG6eK'
  const sig = plainSignature(B.token, B.timestamp, B.nonce);
  t.match(sig, /^[0-9a-f]{40}$/);
  t.equal(sig, plainSignature(B.nonce, B.token, B.timestamp), 'order of arguments does not matter: they are sorted');
  t.ok(verifyPlainSignature(B.token, B.timestamp, B.nonce, sig));
  t.ok(verifyPlainSignature(B.token, B.timestamp, B.nonce, sig.toUpperCase()), 'hex case is ignored');
  t.notOk(verifyPlainSignature(B.token, B.timestamp, B.nonce, sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0')));
  t.notOk(verifyPlainSignature(B.token, B.timestamp, B.nonce, ''), 'empty signature');
  t.notOk(verifyPlainSignature('other', B.timestamp, B.nonce, sig), 'other token');
});

t.test('Vector A: encrypt with the given random gives the given ciphertext', async (t) => {
  t.equal(encryptMessage({ encodingAESKey: A.key, appId: A.appId, message: A.message, random: A.random }), A.cipher);
  t.equal(decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: A.cipher }), A.message, 'and back');
});

t.test('Vector B: msg_signature, then decrypt to the given XML', async (t) => {
  t.equal(msgSignature(B.token, B.timestamp, B.nonce, B.encrypt), B.signature);
  t.ok(verifyMsgSignature(B.token, B.timestamp, B.nonce, B.encrypt, B.signature));
  t.notOk(verifyMsgSignature(B.token, B.timestamp, '1372623150', B.encrypt, B.signature), 'other nonce');
  t.equal(decryptMessage({ encodingAESKey: B.key, appId: B.appId, encrypt: B.encrypt }), B.xml);
});

t.test('WechatMpCrypto.open checks the signature before decrypting; seal round-trips', async (t) => {
  const c = new WechatMpCrypto({ token: B.token, encodingAESKey: B.key, appId: B.appId });
  t.equal(c.open({ timestamp: B.timestamp, nonce: B.nonce, msgSignature: B.signature, encrypt: B.encrypt }), B.xml);
  throwsInvalid(t, () => c.open({ timestamp: '1409659814', nonce: B.nonce, msgSignature: B.signature, encrypt: B.encrypt }), 'wechat_signature', 'stale timestamp');
  t.ok(c.verifyUrl(B.timestamp, B.nonce, plainSignature(B.token, B.timestamp, B.nonce)));

  const fixed = new WechatMpCrypto({ token: B.token, encodingAESKey: A.key, appId: A.appId }, () => A.random);
  const sealed = fixed.seal(A.message, '1700000000', 'n0nce');
  t.equal(sealed.encrypt, A.cipher, 'injected random reproduces Vector A');
  t.equal(sealed.msgSignature, msgSignature(B.token, '1700000000', 'n0nce', A.cipher));
  t.equal(fixed.open({ timestamp: '1700000000', nonce: 'n0nce', msgSignature: sealed.msgSignature, encrypt: sealed.encrypt }), A.message);

  const random = new WechatMpCrypto({ token: 't', encodingAESKey: A.key, appId: A.appId });
  const s1 = random.seal('同一条消息', '1', 'n');
  const s2 = random.seal('同一条消息', '1', 'n');
  t.not(s1.encrypt, s2.encrypt, 'fresh random prefix per message');
  t.equal(random.open({ timestamp: '1', nonce: 'n', msgSignature: s1.msgSignature, encrypt: s1.encrypt }), '同一条消息');
});

t.test('a message sealed for another AppId is rejected', async (t) => {
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: 'wx0000000000000000', encrypt: A.cipher }), 'wechat_appid', 'other AppId');
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: 'wxb11529c136998cb', encrypt: A.cipher }), 'wechat_appid', 'AppId prefix only');
});

t.test('bad padding, truncation and garbage give clean AppErrors', async (t) => {
  // A valid frame but the last byte claims 33 bytes of padding.
  const frame = Buffer.concat([A.random, Buffer.from([0, 0, 0, 2]), Buffer.from('hi'), Buffer.from(A.appId)]);
  const padded = pkcs7Pad(frame);
  const badLen = Buffer.from(padded);
  badLen[badLen.length - 1] = 33;
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: rawEncrypt(A.key, badLen) }), 'wechat_padding', 'pad > 32');
  const zero = Buffer.from(padded);
  zero[zero.length - 1] = 0;
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: rawEncrypt(A.key, zero) }), 'wechat_padding', 'pad 0');
  const inconsistent = Buffer.from(padded);
  const n = inconsistent[inconsistent.length - 1];
  t.ok(n >= 2, 'fixture has at least two pad bytes');
  inconsistent[inconsistent.length - 2] = n ^ 1;
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: rawEncrypt(A.key, inconsistent) }), 'wechat_padding', 'pad bytes differ');

  // Padding right, but the length field points beyond the plaintext.
  const lying = Buffer.concat([A.random, Buffer.from([0, 0, 1, 0]), Buffer.from('hi'), Buffer.from(A.appId)]);
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: rawEncrypt(A.key, pkcs7Pad(lying)) }), 'wechat_ciphertext', 'length too big');
  // A whole block of padding leaves nothing for the 20-byte header.
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: rawEncrypt(A.key, Buffer.alloc(32, 32)) }), 'wechat_ciphertext', 'no header');

  const bytes = Buffer.from(A.cipher, 'base64');
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: bytes.subarray(0, 48).toString('base64') }), 'wechat_ciphertext', 'truncated to 48 bytes');
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: bytes.subarray(0, 32).toString('base64') }), 'wechat_padding', 'truncated to one block');
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: A.cipher.slice(0, 10) }), 'wechat_ciphertext', 'truncated base64');
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: '' }), 'wechat_ciphertext', 'empty');
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: '中文不是base64' }), 'wechat_ciphertext', 'not base64');
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: A.key, appId: A.appId, encrypt: undefined as unknown as string }), 'wechat_ciphertext', 'not a string');
  throwsInvalid(t, () => decryptMessage({ encodingAESKey: B.key, appId: A.appId, encrypt: A.cipher }), 'wechat_padding', 'wrong key');
});

t.test('EncodingAESKey and PKCS#7 helpers', async (t) => {
  t.equal(decodeAesKey(A.key).length, 32);
  throwsInvalid(t, () => decodeAesKey(A.key.slice(1)), 'wechat_aes_key', '42 chars');
  throwsInvalid(t, () => decodeAesKey(`${A.key.slice(1)}=`), 'wechat_aes_key', 'padding char inside');
  throwsInvalid(t, () => new WechatMpCrypto({ token: 't', encodingAESKey: 'short', appId: 'x' }), 'wechat_aes_key', 'checked at construction');
  throwsInvalid(t, () => encryptMessage({ encodingAESKey: A.key, appId: A.appId, message: 'x', random: Buffer.alloc(15) }), 'wechat_random', '15-byte random');
  t.equal(pkcs7Pad(Buffer.alloc(0)).length, 32, 'empty input gets a full block');
  t.equal(pkcs7Pad(Buffer.alloc(32)).length, 64, 'aligned input gets a full extra block');
  t.equal(pkcs7Pad(Buffer.alloc(31)).at(-1), 1);
  t.same(pkcs7Unpad(pkcs7Pad(Buffer.from('abc'))), Buffer.from('abc'));
  throwsInvalid(t, () => pkcs7Unpad(Buffer.alloc(0)), 'wechat_padding', 'empty');
});
