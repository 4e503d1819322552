/**
 * What the ticket dialogs share (one action on a ticket, ActionDialog; one action on many,
 * BulkDialog): a modal form that sends one request, its submit button busy meanwhile, an error kept
 * in the dialog to correct and retry, and 取消; and the 承办单位 select over the directory.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { units as loadUnits } from '../units.js';
import type { Unit } from '../types.js';
import { ErrorBox, Modal } from './ui.js';

export function DialogForm(p: {
  title: string;
  /** the form's accessible name */
  label?: string;
  /** what the submit button says */
  action: string;
  /** the submit button waits (e.g. for a choice, or a photo still uploading) */
  hold?: boolean;
  /** sends the request and hands the result on; the dialog stays open (busy) until it is closed */
  send: () => Promise<void>;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await p.send();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={p.title} onClose={p.onClose}>
      <form class="dialog-form" onSubmit={submit} aria-label={p.label}>
        {p.children}
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || !!p.hold}>
            {busy ? '正在提交…' : p.action}
          </button>
          <button type="button" class="btn" onClick={p.onClose}>
            取消
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** 承办单位, one of the directory's units; `unavailable` is shown but cannot be chosen (the unit a ticket already waits at). */
export function UnitSelect({ value, onChange, unavailable }: { value: string; onChange: (unit: string) => void; unavailable?: string | null }) {
  const [list, setList] = useState<Unit[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    loadUnits().then(setList, setError);
  }, []);
  return (
    <>
      <label>
        承办单位
        <select required value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">请选择</option>
          {list.map((u) => (
            <option key={u.name} value={u.name} disabled={u.name === unavailable}>
              {u.name}
            </option>
          ))}
        </select>
      </label>
      <ErrorBox error={error} />
    </>
  );
}
