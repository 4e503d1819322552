/**
 * A unit's standing contacts besides its duty roster: the head (负责人), the deputy (分管负责人)
 * and the office phone (办公室电话). Paging's `unit_head` step calls the head, else the deputy; a
 * unit without a roster person for the moment is reached on its office phone; a unit with nobody
 * at all is the hotline office's duty officer's (paging, 催办, 督办 never go to nobody).
 */
import { invalid } from '../errors.js';
import { isReachablePhone } from './roster.js';

export interface ContactPerson {
  name: string;
  phone: string;
}

export interface UnitContacts {
  unit: string;
  head: ContactPerson | null;
  deputy: ContactPerson | null;
  officePhone: string | null;
  version: number;
  updatedAt: string;
}

export interface ContactsInput {
  head?: { name?: string | null; phone?: string | null } | null;
  deputy?: { name?: string | null; phone?: string | null } | null;
  officePhone?: string | null;
}

const clean = (phone: string) => phone.replace(/[\s-]/g, '');

/** Each error names the field it is about (`details.field`: head.name, deputy.phone, officePhone) for the editor. */
function person(p: ContactsInput['head'], label: string, key: 'head' | 'deputy'): ContactPerson | null {
  if (!p) return null;
  const name = p.name?.trim() ?? '';
  const phone = p.phone?.trim() ?? '';
  if (!name && !phone) return null;
  if (!name) throw invalid('bad_contact', `${label}需要姓名`, { field: `${key}.name` });
  if (name.length > 32) throw invalid('bad_contact', `${label}姓名过长`, { field: `${key}.name` });
  if (!isReachablePhone(phone)) throw invalid('bad_contact', `${label}需要有效的电话号码`, { field: `${key}.phone` });
  return { name, phone: clean(phone) };
}

export function validateContacts(unit: string, input: ContactsInput, version: number, at: Date): UnitContacts {
  const office = input.officePhone?.trim() || null;
  if (office && !isReachablePhone(office)) throw invalid('bad_contact', '办公室电话无效', { field: 'officePhone' });
  return { unit, head: person(input.head, '单位负责人', 'head'), deputy: person(input.deputy, '分管负责人', 'deputy'), officePhone: office ? clean(office) : null, version, updatedAt: at.toISOString() };
}

/** Who answers for the unit when its duty person cannot be reached: the head, else the deputy. */
export function leaderOf(c: Pick<UnitContacts, 'head' | 'deputy'> | null): (ContactPerson & { role: '负责人' | '分管负责人' }) | null {
  if (c?.head) return { ...c.head, role: '负责人' };
  if (c?.deputy) return { ...c.deputy, role: '分管负责人' };
  return null;
}
