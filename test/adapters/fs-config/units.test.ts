import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUnits } from '../../../adapters/fs-config/units.js';
import { AppError } from '../../../src/domain/errors.js';

t.test('the shipped directory: 65 member units, 18 townships and the reviewing departments, in display order', async (t) => {
  const units = loadUnits();
  t.equal(units.filter((u) => u.kind === 'unit' && u.sort < 100).length, 65);
  t.equal(units.filter((u) => u.kind === 'township').length, 18);
  t.same(units.filter((u) => u.sort >= 200).map((u) => [u.name, u.kind]), [['市委办', 'unit']]);
  t.ok(units.every((u) => u.active));
});

t.test('a file of its own: sorted units, then townships from 100, departments from 200', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'units-'));
  const path = join(dir, 'units.json');
  writeFileSync(path, JSON.stringify({ units: ['甲局', '乙局'], townships: ['丙镇'] }));
  t.same(loadUnits(path), [
    { name: '甲局', kind: 'unit', sort: 0, active: true },
    { name: '乙局', kind: 'unit', sort: 1, active: true },
    { name: '丙镇', kind: 'township', sort: 100, active: true },
  ]);
});

t.test('a missing file is a named error, not a bare ENOENT', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'units-')), 'absent.json');
  let err: unknown = null;
  try {
    loadUnits(path);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof AppError);
  t.match(err, { code: 'units_unreadable', message: new RegExp(path) });
});
