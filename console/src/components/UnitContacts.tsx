/**
 * 单位联系人与值班覆盖: every unit's duty cover for the coming 7 days (GET /api/v1/duty/coverage)
 * and its head, deputy and office phone, editable by the hotline office (PUT /api/v1/duty/contacts/:unit).
 * A unit with nobody is paged, 催办ed and 督办ed through the hotline office's duty officer.
 */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, get } from '../api.js';

import type { User } from '../types.js';
import { Empty, ErrorBox, Loading, Section } from './ui.js';
import { Time } from './Time.js';
import type { UnitCoverage as Coverage } from '../../../src/application/paging/duty-service.js';
import type { UnitContacts as Contacts } from '../../../src/domain/duty/contacts.js';

const EDITORS = ['admin', 'supervisor'];

function ContactsForm({ unit, onSaved, onCancel }: { unit: string; onSaved: () => void; onCancel: () => void }) {
  const [c, setC] = useState<Contacts | null>(null);
  const [form, setForm] = useState({ headName: '', headPhone: '', deputyName: '', deputyPhone: '', officePhone: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    get<{ contacts: Contacts }>(`/api/v1/duty/contacts/${encodeURIComponent(unit)}`).then((r) => {
      setC(r.contacts);
      setForm({ headName: r.contacts.head?.name ?? '', headPhone: r.contacts.head?.phone ?? '', deputyName: r.contacts.deputy?.name ?? '', deputyPhone: r.contacts.deputy?.phone ?? '', officePhone: r.contacts.officePhone ?? '' });
    }, setError);
  }, [unit]);
  const field = (k: keyof typeof form, label: string) => (
    <label>
      {label}
      <input value={form[k]} onInput={(e) => setForm({ ...form, [k]: e.currentTarget.value })} />
    </label>
  );
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const person = (name: string, phone: string) => (name.trim() || phone.trim() ? { name: name.trim(), phone: phone.trim() } : null);
    try {
      await api('PUT', `/api/v1/duty/contacts/${encodeURIComponent(unit)}`, {
        head: person(form.headName, form.headPhone),
        deputy: person(form.deputyName, form.deputyPhone),
        officePhone: form.officePhone.trim() || null,
        expectedVersion: c?.version ?? 0,
      });
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (!c && !error) return <Loading />;
  return (
    <form class="form-grid" onSubmit={save} aria-label={`${unit}联系人`}>
      <ErrorBox error={error} />
      {field('headName', '单位负责人姓名')}
      {field('headPhone', '单位负责人电话')}
      {field('deputyName', '分管负责人姓名')}
      {field('deputyPhone', '分管负责人电话')}
      {field('officePhone', '办公室电话')}
      <div class="form-actions">
        <button class="btn btn-primary" type="submit" disabled={busy}>
          保存
        </button>
        <button class="btn" type="button" onClick={onCancel}>
          取消
        </button>
      </div>
    </form>
  );
}

export function UnitContactsSection({ user }: { user: User }) {
  const [items, setItems] = useState<Coverage[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [onlyGaps, setOnlyGaps] = useState(true);
  const load = () => get<{ items: Coverage[] }>('/api/v1/duty/coverage?days=7').then((r) => setItems(r.items), setError);
  useEffect(() => void load(), []);
  const canEdit = EDITORS.includes(user.role);
  const shown = (items ?? []).filter((c) => !onlyGaps || !c.covered);
  const uncovered = (items ?? []).filter((c) => !c.covered).length;
  const yes = (b: boolean) => (b ? '已登记' : <span class="muted">未登记</span>);
  return (
    <Section
      title={`单位联系人与值班覆盖（未来7天）${items ? `：${uncovered}个单位缺24小时值班` : ''}`}
      actions={
        <label class="inline">
          <input type="checkbox" checked={onlyGaps} onChange={(e) => setOnlyGaps(e.currentTarget.checked)} /> 只看缺值班的单位
        </label>
      }
    >
      <ErrorBox error={error} />
      <p class="muted">无人值班、也没有负责人和办公室电话的单位，其呼叫、催办、督办一律转热线办值班员。</p>
      {!items ? (
        <Loading />
      ) : shown.length === 0 ? (
        <Empty>所有单位未来7天都有可联系的值班人员。</Empty>
      ) : (
        <table class="grid">
          <caption class="sr-only">单位值班覆盖与联系人</caption>
          <thead>
            <tr>
              <th scope="col">单位</th>
              <th scope="col">值班覆盖</th>
              <th scope="col">单位负责人</th>
              <th scope="col">分管负责人</th>
              <th scope="col">办公室电话</th>
              {canEdit ? <th scope="col">操作</th> : null}
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <Fragment key={c.unit}>
                <tr data-unit={c.unit}>
                  <td>{c.unit}</td>
                  <td>{c.covered ? '24小时有人' : !c.hasRoster ? <span class="due-over">无值班表</span> : <span class="due-soon">缺{c.uncoveredHours}小时（<Time iso={c.firstGapAt} /> 起）</span>}</td>
                  <td>{yes(c.head)}</td>
                  <td>{yes(c.deputy)}</td>
                  <td>{yes(c.officePhone)}</td>
                  {canEdit ? (
                    <td>
                      <button class="btn btn-small" type="button" onClick={() => setEditing(editing === c.unit ? null : c.unit)}>
                        编辑联系人
                      </button>
                    </td>
                  ) : null}
                </tr>
                {editing === c.unit ? (
                  <tr>
                    <td colSpan={canEdit ? 6 : 5}>
                      <ContactsForm
                        unit={c.unit}
                        onCancel={() => setEditing(null)}
                        onSaved={() => {
                          setEditing(null);
                          void load();
                        }}
                      />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
