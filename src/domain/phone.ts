/** Phone numbers and WeChat ids are personal data: anything shown to a unit or written to a log is masked. */
export function maskContact(contact: string | null | undefined): string {
  if (!contact) return '';
  // Already masked (138****1002): masking it again would read its digits as a new number (138100****1002).
  if (contact.includes('*')) return contact;
  const digits = contact.replace(/[^\d+]/g, '');
  if (/^\+?\d{7,}$/.test(digits)) {
    const d = digits;
    return `${d.slice(0, d.length - 8)}****${d.slice(-4)}`;
  }
  if (contact.length <= 6) return '***';
  return `${contact.slice(0, 3)}***${contact.slice(-3)}`;
}

/** Normalise a mainland number to its 11 digits where possible (strip +86 / 0086 / spaces). */
export function normalisePhone(raw: string): string {
  let s = raw.replace(/[\s-]/g, '');
  if (s.startsWith('+86')) s = s.slice(3);
  else if (s.startsWith('0086')) s = s.slice(4);
  return s;
}
