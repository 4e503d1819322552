/**
 * `suban unit contacts <unit> [--head 姓名,电话] [--deputy 姓名,电话] [--office 电话]` and
 * `suban duty coverage [--days 7]`: the unit contacts and duty cover from the command line, over
 * the same DutyService as the API and the console (saves are audited as by the CLI).
 */
import { parseArgs } from 'node:util';
import type { ContactsInput } from '../domain/duty/contacts.js';
import type { DutyService } from '../application/paging/duty-service.js';

export class ContactsUsageError extends Error {}

const CLI_EDITOR = { id: 'cli', name: '命令行' };

function person(v: string | undefined, flag: string): ContactsInput['head'] | undefined {
  if (v === undefined) return undefined;
  if (v === '' || v === '-') return null; // cleared
  const [name, phone] = v.split(/[,，]/).map((s) => s.trim());
  if (!name || !phone) throw new ContactsUsageError(`--${flag} 姓名,电话 (or "-" to clear)`);
  return { name, phone };
}

/** Prints the unit's contacts after applying the flags given (none: just prints them). */
export async function unitContacts(args: string[], duty: Pick<DutyService, 'contacts' | 'saveContacts'>, out: { write(s: string): unknown }): Promise<void> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { head: { type: 'string' }, deputy: { type: 'string' }, office: { type: 'string' } } });
  const unit = positionals[0];
  if (!unit) throw new ContactsUsageError('unit contacts <unit> [--head 姓名,电话] [--deputy 姓名,电话] [--office 电话]');
  const head = person(values.head, 'head');
  const deputy = person(values.deputy, 'deputy');
  let c = await duty.contacts(unit);
  if (head !== undefined || deputy !== undefined || values.office !== undefined) {
    const input: ContactsInput = {
      head: head === undefined ? c?.head ?? null : head,
      deputy: deputy === undefined ? c?.deputy ?? null : deputy,
      officePhone: values.office === undefined ? c?.officePhone ?? null : values.office === '-' ? null : values.office,
    };
    c = await duty.saveContacts(unit, input, CLI_EDITOR, c?.version ?? 0);
  }
  const p = (x: { name: string; phone: string } | null | undefined) => (x ? `${x.name} ${x.phone}` : '未登记');
  out.write(`${unit}\n  单位负责人：${p(c?.head)}\n  分管负责人：${p(c?.deputy)}\n  办公室电话：${c?.officePhone ?? '未登记'}\n`);
}

/** The coverage view as text: units without a reachable 24-hour duty person for the coming days first. */
export async function dutyCoverage(args: string[], duty: Pick<DutyService, 'coverage'>, now: Date, out: { write(s: string): unknown }): Promise<number> {
  const { values } = parseArgs({ args, options: { days: { type: 'string' } } });
  const days = values.days ? Number(values.days) : 7;
  if (!Number.isInteger(days) || days < 1 || days > 60) throw new ContactsUsageError('duty coverage [--days 1-60]');
  const items = await duty.coverage(now, days);
  const bad = items.filter((c) => !c.covered);
  out.write(`未来${days}天：${items.length - bad.length}/${items.length}个单位有可联系的24小时值班人员\n`);
  for (const c of bad) {
    const contacts = [c.head ? '负责人' : null, c.deputy ? '分管负责人' : null, c.officePhone ? '办公室电话' : null].filter(Boolean).join('、') || '无联系人';
    out.write(`  ${c.unit}：${c.hasRoster ? `缺${c.uncoveredHours}小时` : '无值班表'}；${contacts}${!c.head && !c.deputy && !c.officePhone && !c.hasRoster ? '（呼叫、催办、督办转热线办值班员）' : ''}\n`);
  }
  return bad.length;
}
