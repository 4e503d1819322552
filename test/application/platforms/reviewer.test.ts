/**
 * Merged-review platforms (issue 18, item 6): the managing department that approves replies is
 * resolved through the directory and its aliases at load (市政府办公室 → 市政府办), its users can
 * read and approve, and a reviewer that matches no unit stops the load.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadPlatforms } from '../../../adapters/fs-config/platforms.js';
import { loadUnits } from '../../../adapters/fs-config/units.js';
import { createUnitResolver } from '../../../src/domain/directory/unit-names.js';
import { loadUnitAliases } from '../../../adapters/fs-config/unit-aliases.js';
import { AppError } from '../../../src/domain/errors.js';
import { testApp } from '../../helpers/app.js';

const names = loadUnits().map((u) => u.name);
const resolveUnit = createUnitResolver(names, loadUnitAliases());

t.test('reviewers resolve to directory units at load', async (t) => {
  const ps = loadPlatforms({ env: {}, units: new Set(names), resolveUnit });
  t.equal(ps.get('gov-inspection')!.reviewer, '市政府办', '市政府办公室 through the aliases');
  t.equal(ps.get('minsheng')!.reviewer, '市委办', 'managerUnit');
  t.equal(ps.get('people-secretary')!.reviewer, '市委办');
  t.equal(ps.get('hotline-12315')!.reviewer, null, 'interconnect platforms have none');
  t.equal(ps.get('wenzheng-gz')!.reviewer, null, 'merged platforms have none');
});

t.test('a reviewer that matches no unit refuses the load', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'platforms-'));
  const channels = JSON.parse(readFileSync('config/channels.json', 'utf8')) as { channels: { no: number }[] };
  writeFileSync(join(dir, 'channels.json'), JSON.stringify({ channels: channels.channels.filter((c) => c.no === 7 || c.no === 8) }));
  const pdir = join(dir, 'platforms');
  (await import('node:fs')).mkdirSync(pdir);
  // 民声通道 without its managerUnit: 市委办公室 is no unit, whatever the aliases say.
  writeFileSync(join(pdir, 'minsheng.yaml'), readFileSync('config/platforms/minsheng.yaml', 'utf8').replace(/^managerUnit:.*\n/m, ''));
  copyFileSync('config/platforms/gov-inspection.yaml', join(pdir, 'gov-inspection.yaml'));
  const err = (() => {
    try {
      loadPlatforms({ channelsFile: join(dir, 'channels.json'), dir: pdir, env: {}, units: new Set(names), resolveUnit });
      return null;
    } catch (e) {
      return e as AppError;
    }
  })();
  t.ok(err, 'refused');
  const problems = (err?.details as { problems: string[] } | undefined)?.problems ?? [];
  t.equal(problems.length, 1, problems.join('\n'));
  t.match(problems[0], /minsheng\.yaml.*市委办公室.*matches no unit/);
});

t.test('the managing department’s users read and approve; the handling unit cannot', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T02:00:00Z' });
  const p = h.ctx.platforms.get('gov-inspection');
  const rec = (JSON.parse(readFileSync('test/fixtures/platforms/gov-inspection.json', 'utf8')) as { rows: unknown[] }).rows[0];
  const r = await h.ctx.platforms.receive(p, rec, 'poll');
  const id = r.ticket.id;
  t.equal(r.ticket.reviewer, '市政府办');
  // The unit handles it: dispatch to 市城管局 (unitA) whatever the classifier chose.
  if (r.ticket.unit !== '市城管局') {
    const d = await h.call('operator', 'POST', `/api/v1/tickets/${id}/dispatch`, { unit: '市城管局' });
    t.equal(d.status, 200, 'dispatched to 市城管局');
  }
  await h.call('unitA', 'POST', `/api/v1/tickets/${id}/sign`);
  const rep = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已整改完毕' });
  t.equal(rep.json.ticket.state, 'reviewing');

  const user = await h.ctx.users.create({ id: randomUUID(), name: 'zfb', role: 'unit', unit: '市政府办', displayName: null, phone: null, disabled: false, passwordHash: 'x' }, h.clock.now());
  const token = await h.ctx.auth.issueToken(user.id);
  const as = (method: 'GET' | 'POST', url: string, body?: object) => h.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) });
  t.equal((await as('GET', `/api/v1/tickets/${id}`)).statusCode, 200, 'the reviewing department sees the ticket');
  t.equal((await h.call('unitA', 'POST', `/api/v1/tickets/${id}/review`, { approved: true })).status, 403, 'the handling unit cannot approve its own reply');
  t.equal((await as('POST', `/api/v1/tickets/${id}/sign`)).statusCode, 403, 'the reviewer does not handle the ticket');
  const ok = await as('POST', `/api/v1/tickets/${id}/review`, { approved: true, note: '同意答复' });
  t.equal(ok.statusCode, 200, 'approved by the managing department');
  t.equal(ok.json().ticket.state, 'replied');
  t.equal((await h.call('unitB', 'GET', `/api/v1/tickets/${id}`)).status, 404, 'other units still see nothing');
});
