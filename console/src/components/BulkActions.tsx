import { useEffect, useState } from 'preact/hooks';
import { post } from '../api.js';
import { units as loadUnits } from '../units.js';
import type { TicketView, Unit } from '../types.js';
import { ErrorBox, Modal } from './ui.js';

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
  const [unitList, setUnitList] = useState<Unit[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (kind === 'dispatch') loadUnits().then(setUnitList, setError);
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const ids = tickets.map((t) => t.id);
      const body = kind === 'dispatch' ? { ids, unit, ...(note.trim() ? { note: note.trim() } : {}) } : { ids, ...(note.trim() ? { note: note.trim() } : {}) };
      const r = await post<Omit<BulkOutcome, 'kind'>>(`/api/v1/tickets/bulk/${kind}`, body);
      onDone({ kind, ...r });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={`${BULK_LABEL[kind]}（${tickets.length} 件）`} onClose={onClose}>
      <form class="dialog-form" onSubmit={submit} aria-label={BULK_LABEL[kind]}>
        <p class="muted">
          {tickets
            .slice(0, 8)
            .map((t) => t.number)
            .join('、')}
          {tickets.length > 8 ? ` 等 ${tickets.length} 件` : ''}
        </p>
        {kind === 'dispatch' ? (
          <label>
            承办单位
            <select required value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
              <option value="">请选择</option>
              {unitList.map((u) => (
                <option key={u.name} value={u.name}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          {kind === 'dispatch' ? '派单说明（可选）' : '催办说明'}
          <textarea rows={3} maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder={kind === 'urge' ? '如：请于今日内签收并反馈进展' : ''} />
        </label>
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || (kind === 'dispatch' && !unit)}>
            {busy ? '处理中…' : `确认${BULK_LABEL[kind]}`}
          </button>
          <button type="button" class="btn" onClick={onClose}>
            取消
          </button>
        </div>
      </form>
    </Modal>
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
