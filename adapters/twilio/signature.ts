/** X-Twilio-Signature: how Twilio signs its webhook requests. */
import { createHmac } from 'node:crypto';
import twilio from 'twilio';

/**
 * HMAC-SHA1 over the URL Twilio called and the sorted form parameters. The SDK's `validateRequest`
 * tries up to six spellings of the URL (with and without the port, normalised, legacy query
 * encoding), splitting it again for each; the URL as given is always one of them, and the one
 * Twilio signs when the public URL is configured as Twilio calls it. So that one is checked here
 * (one HMAC) and only a request it refuses goes through the SDK: the same requests pass.
 */
export function signatureValid(authToken: string, signature: string, url: string, params: Record<string, string>): boolean {
  let data = url;
  for (const k of Object.keys(params).sort()) data += k + params[k];
  if (sameText(signature, createHmac('sha1', authToken).update(data, 'utf8').digest('base64'))) return true;
  return twilio.validateRequest(authToken, signature, url, params);
}

/** Constant time for strings of one length (a base64 HMAC-SHA1 is always 28 characters; the length is no secret). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
