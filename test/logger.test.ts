import t from 'tap';
import { createLogger } from '../src/logger.js';
import { LogSink } from './helpers/app.js';

const logger = () => {
  const sink = new LogSink();
  const log = createLogger('info', sink);
  return { log, lines: () => sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

t.test('phone numbers are masked and secrets removed, at the top level and one level down', async (t) => {
  const { log, lines } = logger();
  const call = { caller: '+8613812345678', From: '13912345678', token: 'tok-1', ok: 1 };
  log.info({ contact: '13812345678', password: 'pw', call, deep: { a: { phone: '13812345678' } }, list: [{ phone: '13812345678' }] }, 'm');
  const [l] = lines();
  t.equal(l!.contact, '138****5678');
  t.equal(l!.password, '[redacted]');
  t.same(l!.call, { caller: '+86138****5678', From: '139****5678', token: '[redacted]', ok: 1 });
  t.same(l!.deep, { a: { phone: '13812345678' } }, 'two levels down is not a redacted path (as before)');
  t.same(l!.list, [{ phone: '13812345678' }], 'nor an array element');
  t.same(call, { caller: '+8613812345678', From: '13912345678', token: 'tok-1', ok: 1 }, 'the logged object is not changed');
});

t.test('requests are method and masked URL; credentials in headers never reach a line', async (t) => {
  const { log, lines } = logger();
  const headers = { authorization: 'Bearer secret-token', cookie: 'suban_session=s', 'x-csrf-token': 'c', accept: '*/*' };
  log.info({ req: { method: 'POST', url: '/twilio/voice?From=+8613812345678&token=abc', headers }, res: { statusCode: 200, headers: { 'set-cookie': 'suban_session=s', 'content-type': 'text/xml' } } }, 'request completed');
  const [l] = lines();
  t.same(l!.req, { method: 'POST', url: '/twilio/voice?From=+86138****5678&token=[redacted]' });
  t.same(l!.res, { statusCode: 200, headers: { 'set-cookie': '[redacted]', 'content-type': 'text/xml' } });
  t.notOk(JSON.stringify(l).includes('secret-token'));
});

t.test('errors keep their message when a property is censored; child bindings are censored too', async (t) => {
  const { log, lines } = logger();
  log.error({ err: Object.assign(new Error('boom'), { code: 'E1', phone: '13812345678' }) }, 'failed');
  log.child({ component: 'voice', caller: '13812345678', meta: { phone: '13812345678' } }).info({ n: 1 }, 'child');
  const [e, c] = lines();
  t.match(e!.err, { message: 'boom', code: 'E1', phone: '138****5678' });
  t.match(c, { component: 'voice', caller: '138****5678', meta: { phone: '138****5678' }, n: 1 });
});
