/** iCalendar (RFC 5545) export of a roster's cover, for the duty people's own calendars. */
import type { DutySegment } from './on-duty.js';

const SOURCE_LABEL = { rotation: '轮班', substitute: '替班', override: '调班' } as const;

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

const utf8Length = (ch: string) => {
  const c = ch.codePointAt(0) ?? 0;
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
};

/** Lines longer than 75 octets are folded; never inside a UTF-8 sequence. */
function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = utf8Length(ch);
    if (bytes + n > (out.length ? 74 : 75)) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

export function rosterIcal(unit: string, segments: DutySegment[], generatedAt: Date): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Suban//Duty Roster//ZH', 'CALSCALE:GREGORIAN', `X-WR-CALNAME:${escapeText(`${unit}值班表`)}`, 'X-WR-TIMEZONE:Asia/Shanghai'];
  for (const s of segments) {
    if (!s.duty) continue;
    const d = s.duty;
    const desc = [`${SOURCE_LABEL[d.source]}`, d.reason ? `原因：${d.reason}` : '', d.replaces ? `原值班：${d.replaces.name}` : ''].filter(Boolean).join('\n');
    lines.push(
      'BEGIN:VEVENT',
      `UID:${stamp(s.start)}-${encodeURIComponent(d.member.id)}-${encodeURIComponent(unit)}@suban`,
      `DTSTAMP:${stamp(generatedAt)}`,
      `DTSTART:${stamp(s.start)}`,
      `DTEND:${stamp(s.end)}`,
      `SUMMARY:${escapeText(`值班：${d.member.name}（${unit}）`)}`,
      `DESCRIPTION:${escapeText(desc)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
