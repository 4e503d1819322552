import t from 'tap';
import { deflateRawSync, crc32 } from 'node:zlib';
import { parseExport, EXPORT_LIMITS } from '../../src/application/platforms/export-file.js';

/** Issue 19, item 13: export files from poll directories are capped in size, rows and cells before parsing. */

/** A one-part zip (stored as XLSX) whose part inflates to `size` zero bytes. */
function zipBomb(size: number): Buffer {
  const name = Buffer.from('xl/worksheets/sheet1.xml');
  const raw = Buffer.alloc(size);
  const data = deflateRawSync(raw, { level: 9 });
  const crc = crc32(raw);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const cdOffset = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

t.test('CSV: too many rows or cells is refused before parsing', async (t) => {
  const rows = ['caseId,content', ...Array.from({ length: EXPORT_LIMITS.maxRows + 1 }, (_, i) => `${i},路灯不亮`)].join('\n');
  const started = Date.now();
  await t.rejects(parseExport(Buffer.from(rows), 'csv'), { code: 'export_too_large' }, 'rows');
  t.ok(Date.now() - started < 2000, 'quickly');
  const wide = ['a' + ',x'.repeat(EXPORT_LIMITS.maxCells), '1'].join('\n');
  await t.rejects(parseExport(Buffer.from(wide), 'csv'), { code: 'export_too_large' }, 'cells');
  await t.rejects(parseExport(Buffer.from('caseId\n1\n2\n3\n'), 'csv', { limits: { maxRows: 2 } }), { code: 'export_too_large' }, 'limits are options');
  t.equal((await parseExport(Buffer.from('caseId,content\n1,路灯不亮\n'), 'csv')).length, 1, 'a normal file still parses');
});

t.test('XLSX: a zip bomb is refused from its directory, before anything is inflated', async (t) => {
  const bomb = zipBomb(EXPORT_LIMITS.maxInflatedBytes + 1024);
  t.ok(bomb.length < 1024 * 1024, `the file itself is small (${bomb.length} bytes)`);
  const started = Date.now();
  await t.rejects(parseExport(bomb, 'xlsx'), { code: 'export_too_large' });
  t.ok(Date.now() - started < 1000, `at once (${Date.now() - started} ms)`);
});

t.test('any format: too many bytes, and JSON with too many records', async (t) => {
  await t.rejects(parseExport(Buffer.alloc(EXPORT_LIMITS.maxBytes + 1, 0x20), 'json'), { code: 'export_too_large' });
  const many = JSON.stringify(Array.from({ length: EXPORT_LIMITS.maxRows + 1 }, (_, i) => ({ caseId: i })));
  await t.rejects(parseExport(Buffer.from(many), 'json'), { code: 'export_too_large' });
});
