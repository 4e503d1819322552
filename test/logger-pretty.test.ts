/**
 * Logs on a terminal (issue 20, item 3): one readable line per entry (Beijing time, level, message,
 * key=value), phone numbers still masked; JSON lines when the output is not a terminal.
 */
import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger, logDestination, prettyLine } from '../src/logger.js';

class Sink extends Writable {
  text = '';
  isTTY = true;
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

t.test('a JSON entry reads as one line', async (t) => {
  const line = prettyLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 11, 7, 1, 30, 5), pid: 1, hostname: 'h', uncovered: ['2027'], msg: '节假日数据未覆盖 2027 年' }));
  t.equal(line, '09:30:05 WARN  节假日数据未覆盖 2027 年  uncovered=["2027"]\n');
  const req = prettyLine(JSON.stringify({ level: 20, time: 0, req: { method: 'GET', url: '/healthz' }, res: { statusCode: 200 }, responseTime: 3, msg: 'request completed' }));
  t.equal(req, '08:00:00 DEBUG request completed  GET /healthz 200 responseTime=3\n');
  const err = prettyLine(JSON.stringify({ level: 50, time: 0, err: { message: 'boom', stack: 'Error: boom\n    at f (x.ts:1:2)\n    at g' }, msg: 'failed' }));
  t.equal(err, '08:00:00 ERROR failed  err="boom" (at f (x.ts:1:2))\n');
  t.equal(prettyLine('not json'), 'not json\n');
});

t.test('on a terminal the logger writes readable lines, phone numbers masked; otherwise JSON', async (t) => {
  const tty = new Sink();
  const log = createLogger('info', logDestination(tty as unknown as NodeJS.WriteStream));
  log.info({ contact: '13812345678', unit: '市城管局' }, 'ticket created');
  log.debug('not shown');
  t.match(tty.text, /^\d\d:\d\d:\d\d INFO  ticket created {2}contact=138\*\*\*\*5678 unit=市城管局\n$/);
  const pipe = new Sink();
  pipe.isTTY = false;
  t.equal(logDestination(pipe as unknown as NodeJS.WriteStream), undefined, 'not a terminal: pino writes its JSON lines');
});
