import { useState } from 'preact/hooks';
import { post } from '../api.js';
import type { TicketView } from '../types.js';
import { DialogForm, UnitSelect } from './DialogForm.js';

export type BulkKind = 'dispatch' | 'urge';
export const BULK_LABEL: Record<BulkKind, string> = { dispatch: '批量派单', urge: '批量催办' };

/** What the service answered for each ticket of a bulk action. */
export interface BulkOutcome {
  kind: BulkKind;
  results: { id: string; ok: boolean; number?: string; error?: { code: string; message: string } }[];
  succeeded: number;
  failed: number;
}

/** 批量派单 (a unit from the directory, an optional note) or 批量催办 (a note) for the selected tickets. */
export function BulkDialog({ kind, tickets, onDone, onClose }: { kind: BulkKind; tickets: TicketView[]; onDone: (o: BulkOutcome) => void; onClose: () => void }) {
  const [unit, setUnit] = useState('');
  const [note, setNote] = useState('');
  const send = async () => {
    const ids = tickets.map((t) => t.id);
    const noted = note.trim() ? { note: note.trim() } : {};
    const r = await post<Omit<BulkOutcome, 'kind'>>(`/api/v1/tickets/bulk/${kind}`, kind === 'dispatch' ? { ids, unit, ...noted } : { ids, ...noted });
    onDone({ kind, ...r });
  };
  return (
    <DialogForm title={`${BULK_LABEL[kind]}（${tickets.length} 件）`} label={BULK_LABEL[kind]} action={`确认${BULK_LABEL[kind]}`} hold={kind === 'dispatch' && !unit} send={send} onClose={onClose}>
      <p class="muted">
        {tickets
          .slice(0, 8)
          .map((t) => t.number)
          .join('、')}
        {tickets.length > 8 ? ` 等 ${tickets.length} 件` : ''}
      </p>
      {kind === 'dispatch' ? <UnitSelect value={unit} onChange={setUnit} /> : null}
      <label>
        {kind === 'dispatch' ? '派单说明（可选）' : '催办说明'}
        <textarea rows={3} maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder={kind === 'urge' ? '如：请于今日内签收并反馈进展' : ''} />
      </label>
    </DialogForm>
  );
}

/** The per-ticket result of a bulk action: n 成功, m 失败 with each reason. */
export function BulkResult({ outcome, numbers, onClose }: { outcome: BulkOutcome; numbers: ReadonlyMap<string, string>; onClose: () => void }) {
  const failed = outcome.results.filter((r) => !r.ok);
  return (
    <div class={`alert ${outcome.failed ? 'alert-warn' : 'alert-ok'} bulk-result`} role="status" aria-label={`${BULK_LABEL[outcome.kind]}结果`}>
      <strong>
        {BULK_LABEL[outcome.kind]}：{outcome.succeeded} 件成功，{outcome.failed} 件失败
      </strong>
      {failed.length ? (
        <ul>
          {failed.map((r) => (
            <li key={r.id}>
              {numbers.get(r.id) ?? r.id}：{r.error?.message ?? '失败'}
            </li>
          ))}
        </ul>
      ) : null}
      <button type="button" class="btn btn-small" onClick={onClose}>
        知道了
      </button>
    </div>
  );
}
