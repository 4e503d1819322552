import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// chinese-days keys its tables one day early on hosts west of UTC; the adapter must read the
// same schedule whatever the host time zone. Run in child processes because TZ is read at start.
const entry = fileURLToPath(new URL('../../../src/domain/sla/index.ts', import.meta.url));
const script = `const m = await import(${JSON.stringify(entry)}); const c = new m.WorkCalendar();
console.log(JSON.stringify(['2025-09-27','2025-09-28','2025-09-30','2025-10-01','2025-10-08','2025-10-09','2025-10-11','2026-01-01','2026-01-04'].map((d) => c.isWorkday(d))));`;
const expected = [false, true, true, false, false, true, true, false, true];

function runWithTz(tz: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, TZ: tz }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

t.test('same schedule whatever the host time zone', async (t) => {
  const zones = ['America/Los_Angeles', 'Asia/Shanghai'];
  const runs = await Promise.all(zones.map(runWithTz)); // in parallel: each child pays tsx start-up
  runs.forEach((r, i) => {
    t.equal(r.code, 0, `${zones[i]} ran: ${r.stderr}`);
    t.same(JSON.parse(r.stdout.trim()), expected, zones[i]);
  });
});
