/**
 * WeChat Official Account (公众号) wire crypto: URL-verification signature, msg_signature and the
 * AES "safe mode" (安全模式) message envelope.
 *
 * Everything that can fail on input from the network throws AppError kind 'invalid' with a stable
 * code, never a raw OpenSSL error, so the webhook can answer 400 without leaking internals.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, invalid } from '../../src/domain/errors.js';

/** WeChat pads to 32 bytes, not to the AES block size of 16; OpenSSL's own padding would be wrong. */
export const WECHAT_PAD_BLOCK = 32;
const RANDOM_PREFIX_BYTES = 16;
const LENGTH_BYTES = 4;
/** A passive message is at most a few KB; anything far larger is not from WeChat. */
export const MAX_ENCRYPTED_CHARS = 1 << 20;

export interface WechatMpCryptoConfig {
  token: string;
  /** 43 characters from the 公众平台 settings page. */
  encodingAESKey: string;
  appId: string;
}

const sha1Hex = (parts: string[]): string => createHash('sha1').update([...parts].sort().join(''), 'utf8').digest('hex');

/** Compares two strings without an early exit on the first differing byte. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  // Signatures have a public fixed length, so revealing a length mismatch leaks nothing secret.
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

/** Plain-mode signature for the GET URL verification and for plain-mode POSTs. */
export function plainSignature(token: string, timestamp: string, nonce: string): string {
  return sha1Hex([token, timestamp, nonce]);
}

export function verifyPlainSignature(token: string, timestamp: string, nonce: string, signature: string): boolean {
  return constantTimeEqual(plainSignature(token, timestamp, nonce), String(signature ?? '').toLowerCase());
}

/** `msg_signature` of safe mode: the plain signature with the Encrypt text mixed in. */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1Hex([token, timestamp, nonce, encrypt]);
}

export function verifyMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string, signature: string): boolean {
  return constantTimeEqual(msgSignature(token, timestamp, nonce, encrypt), String(signature ?? '').toLowerCase());
}

/** AES-256 key from the 43-character EncodingAESKey (base64 without its trailing '='). */
export function decodeAesKey(encodingAESKey: string): Buffer {
  if (typeof encodingAESKey !== 'string' || !/^[A-Za-z0-9+/]{43}$/.test(encodingAESKey)) {
    throw invalid('wechat_aes_key', 'EncodingAESKey must be 43 base64 characters');
  }
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  if (key.length !== 32) throw invalid('wechat_aes_key', 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

export function pkcs7Pad(data: Buffer, block = WECHAT_PAD_BLOCK): Buffer {
  const n = block - (data.length % block);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

export function pkcs7Unpad(data: Buffer, block = WECHAT_PAD_BLOCK): Buffer {
  if (data.length === 0) throw invalid('wechat_padding', 'empty plaintext');
  const n = data[data.length - 1];
  if (n < 1 || n > block || n > data.length) throw invalid('wechat_padding', 'bad PKCS#7 padding');
  let bad = 0;
  // Check every pad byte before deciding, so the time taken does not say which byte was wrong.
  for (let i = data.length - n; i < data.length; i++) bad |= data[i] ^ n;
  if (bad !== 0) throw invalid('wechat_padding', 'bad PKCS#7 padding');
  return data.subarray(0, data.length - n);
}

export interface EncryptOptions {
  encodingAESKey: string;
  appId: string;
  message: string;
  /** 16 bytes; injected by tests to reproduce a known vector. Fresh random bytes otherwise. */
  random?: Buffer;
}

/** Builds the base64 `Encrypt` value: AES-256-CBC(16 random ‖ len(BE32) ‖ msg ‖ AppId). */
export function encryptMessage(opts: EncryptOptions): string {
  const key = decodeAesKey(opts.encodingAESKey);
  const random = opts.random ?? nodeRandomBytes(RANDOM_PREFIX_BYTES);
  if (random.length !== RANDOM_PREFIX_BYTES) throw invalid('wechat_random', 'random prefix must be 16 bytes');
  const msg = Buffer.from(opts.message, 'utf8');
  const len = Buffer.alloc(LENGTH_BYTES);
  len.writeUInt32BE(msg.length, 0);
  const plain = pkcs7Pad(Buffer.concat([random, len, msg, Buffer.from(opts.appId, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

export interface DecryptOptions {
  encodingAESKey: string;
  /** The AppId the message must carry; a message sealed for another account is rejected. */
  appId: string;
  encrypt: string;
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Opens an `Encrypt` value and returns the inner XML. Throws AppError('invalid') on any defect. */
export function decryptMessage(opts: DecryptOptions): string {
  const key = decodeAesKey(opts.encodingAESKey);
  const text = typeof opts.encrypt === 'string' ? opts.encrypt.trim() : '';
  if (text.length === 0 || text.length > MAX_ENCRYPTED_CHARS || text.length % 4 !== 0 || !BASE64_RE.test(text)) {
    throw invalid('wechat_ciphertext', 'Encrypt is not valid base64');
  }
  const cipherBytes = Buffer.from(text, 'base64');
  // Whole 32-byte blocks only: the sender pads to 32, and anything shorter than one block cannot
  // even hold the 20-byte header.
  if (cipherBytes.length === 0 || cipherBytes.length % WECHAT_PAD_BLOCK !== 0) {
    throw invalid('wechat_ciphertext', 'ciphertext length is not a multiple of 32 bytes');
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(cipherBytes), decipher.final()]);
  } catch (err) {
    throw invalid('wechat_ciphertext', 'ciphertext could not be decrypted', { cause: String(err) });
  }
  const body = pkcs7Unpad(plain);
  if (body.length < RANDOM_PREFIX_BYTES + LENGTH_BYTES) throw invalid('wechat_ciphertext', 'plaintext too short');
  const msgLen = body.readUInt32BE(RANDOM_PREFIX_BYTES);
  const msgStart = RANDOM_PREFIX_BYTES + LENGTH_BYTES;
  if (msgLen > body.length - msgStart) throw invalid('wechat_ciphertext', 'message length exceeds plaintext');
  const appId = body.subarray(msgStart + msgLen);
  if (!constantTimeEqual(appId.toString('latin1'), Buffer.from(opts.appId, 'utf8').toString('latin1'))) {
    throw invalid('wechat_appid', 'message was sealed for another AppId');
  }
  try {
    return strictUtf8.decode(body.subarray(msgStart, msgStart + msgLen));
  } catch {
    throw invalid('wechat_ciphertext', 'message is not valid UTF-8');
  }
}

/** The account's crypto bound to its configuration; what the webhook holds. */
export class WechatMpCrypto {
  constructor(
    private readonly cfg: WechatMpCryptoConfig,
    private readonly random: () => Buffer = () => nodeRandomBytes(RANDOM_PREFIX_BYTES),
  ) {
    decodeAesKey(cfg.encodingAESKey); // fail at start-up, not on the first message
  }

  verifyUrl(timestamp: string, nonce: string, signature: string): boolean {
    return verifyPlainSignature(this.cfg.token, timestamp, nonce, signature);
  }

  /** Verifies msg_signature over the Encrypt text, then decrypts it. */
  open(p: { timestamp: string; nonce: string; msgSignature: string; encrypt: string }): string {
    if (!verifyMsgSignature(this.cfg.token, p.timestamp, p.nonce, p.encrypt, p.msgSignature)) {
      throw new AppError('invalid', 'wechat_signature', 'msg_signature does not match');
    }
    return decryptMessage({ encodingAESKey: this.cfg.encodingAESKey, appId: this.cfg.appId, encrypt: p.encrypt });
  }

  /** Encrypts a reply and signs it; the caller wraps the result with buildEncryptedReply. */
  seal(message: string, timestamp: string, nonce: string): { encrypt: string; msgSignature: string; timestamp: string; nonce: string } {
    const encrypt = encryptMessage({ encodingAESKey: this.cfg.encodingAESKey, appId: this.cfg.appId, message, random: this.random() });
    return { encrypt, msgSignature: msgSignature(this.cfg.token, timestamp, nonce, encrypt), timestamp, nonce };
  }
}
