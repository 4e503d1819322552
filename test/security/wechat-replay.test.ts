import t from 'tap';
import { testApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { mpXml, signedQuery } from '../e2e/wechat-harness.js';

/** Issue 19, item 7: a captured plain-mode signature cannot be replayed with another body, nor after ±5 minutes. */

const TOKEN = 'mp-replay-token';

for (const engine of ENGINES) {
  t.test(`WeChat plain mode: timestamp window and one-time nonces on ${engine}`, async (t) => {
    const h = await testApp(t, { engine, env: { WECHAT_MP_TOKEN: TOKEN, WECHAT_MP_APPID: 'wx0000000000000000', WECHAT_MP_SECRET: 's', WECHAT_API_BASE: 'http://127.0.0.1:9', SUBAN_WEBHOOK_RATE_LIMIT: '0' } });
    const now = () => Math.floor(h.clock.now().getTime() / 1000);
    const post = (query: string, body: string) => h.app.inject({ method: 'POST', url: `/wechat/mp?${query}`, headers: { 'content-type': 'text/xml' }, payload: body });
    const msg = (from: string, id: string, content: string) => mpXml({ from, createTime: now(), msgId: id, type: 'text', content });

    const captured = signedQuery(TOKEN, String(now()), 'abc123');
    const first = msg('oCitizen', '1001', '你好');
    t.equal((await post(captured, first)).statusCode, 200, 'the genuine push');
    t.equal((await post(captured, first)).statusCode, 200, "WeChat's own retry (same body) still answers");
    const forged = await post(captured, msg('oVictim', '1002', '取消'));
    t.equal(forged.statusCode, 401, 'the captured query with another body is refused');
    t.equal(forged.json().error.code, 'wechat_replay');

    const stale = await post(signedQuery(TOKEN, String(now() - 301), 'n-old'), msg('oCitizen', '1003', '你好'));
    t.equal(stale.statusCode, 401, 'more than 5 minutes old');
    t.equal(stale.json().error.code, 'wechat_stale');
    t.equal((await post(signedQuery(TOKEN, String(now() + 301), 'n-future'), msg('oCitizen', '1004', '你好'))).statusCode, 401, 'more than 5 minutes ahead');
    t.equal((await post(signedQuery(TOKEN, String(now() - 200), 'n-recent'), msg('oCitizen', '1005', '你好'))).statusCode, 200, 'within the window');
    h.clock.advance(6 * 60_000);
    t.equal((await post(captured, first)).statusCode, 401, 'the captured query is dead after the window');
  });
}
