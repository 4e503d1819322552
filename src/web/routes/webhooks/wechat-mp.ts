/**
 * The WeChat Official Account (公众号) webhook: `GET /wechat/mp` answers WeChat's URL check,
 * `POST /wechat/mp` hands a pushed message (plain or AES safe mode) to the Official Account's
 * inbox (adapters/wechat-mp/inbox.ts), which verifies, decrypts, de-duplicates and answers it.
 *
 * Anything from the network gets a 4xx when it is wrong and never a 5xx: a bad signature 401
 * (nothing is parsed or stored), plain POSTs while safe mode is configured 403, malformed XML
 * 400, more than 64 KiB 413. Encapsulated: its XML parser and error handler are its own.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { MAX_XML_BYTES } from '../../../../adapters/wechat-mp/xml.js';
import type { MpAnswer, WechatMp } from '../../../../adapters/wechat-mp/inbox.js';
import { clientErrorCode } from '../../plugins/errors.js';

function send(reply: FastifyReply, a: MpAnswer) {
  if ('error' in a) return reply.status(a.status).send({ error: a.error });
  return reply.type(a.type).send(a.body);
}

export function wechatMpRoutes(mp: Pick<WechatMp, 'enabled' | 'verify' | 'receive' | 'idle'>, log: { info(obj: object, msg: string): void }) {
  return async (app: FastifyInstance) => {
    if (!mp.enabled) {
      log.info({}, 'WeChat Official Account webhook disabled (WECHAT_MP_TOKEN is empty)');
      return;
    }
    // Only these routes: WeChat posts text/xml, and nothing larger than 64 KiB is a message.
    app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string', bodyLimit: MAX_XML_BYTES }, (_req, body, done) => done(null, body));
    app.setErrorHandler((err: FastifyError, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      if (status === 400 && !(err.statusCode && err.statusCode < 500)) req.log.warn({ err: err.message }, 'wechat-mp request failed');
      return reply.status(status).send({ error: { code: clientErrorCode({ code: err.code, statusCode: status }), message: err.message } });
    });
    app.get('/wechat/mp', (req, reply) => send(reply, mp.verify((req.query ?? {}) as Record<string, unknown>)));
    app.post('/wechat/mp', { bodyLimit: MAX_XML_BYTES }, async (req, reply) => send(reply, await mp.receive((req.query ?? {}) as Record<string, unknown>, req.body, req.log)));
    app.addHook('onClose', async () => {
      await mp.idle();
    });
  };
}
