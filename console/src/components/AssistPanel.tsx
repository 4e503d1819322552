/**
 * Ticket detail: 协办 parts (their states, deadlines and replies), adding and removing 协办 units and
 * the 应急联动 button (the hotline office), a 协办 unit's own 签收/答复, and 现场处置: who each unit
 * sent, with what, when they left and arrived, with photos from the scene.
 */
import { useEffect, useState } from 'preact/hooks';
import { shrink } from '../photos.js';
import { api, get, post } from '../api.js';
import { units } from '../units.js';
import type { Attachment, TicketView, User } from '../types.js';
import { Deadline, ErrorBox, Section } from './ui.js';

import { Time } from './Time.js';

const OFFICE = ['operator', 'supervisor', 'admin'];
const CAN_ADD = ['accepted', 'dispatched', 'returned', 'handling'];
const OPEN = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'];

type Open = 'none' | 'add' | 'linkage' | 'reply' | 'dispatch' | 'arrival';

/** A photo file, scaled down like every photo the console sends, as a /media/ URL (the same store as the grid workers' photos). */
async function upload(file: File): Promise<Attachment> {
  const { url } = await post<{ url: string }>('/api/v1/grid/photos', { data: await shrink(file) });
  return { kind: 'image', url };
}

const localInput = (d = new Date()) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16);
const fromLocal = (v: string) => (v ? new Date(`${v}:00+08:00`).toISOString() : undefined);

export function AssistPanel({ ticket: t, user, onDone, onWarning }: { ticket: TicketView; user: User; onDone: () => void; onWarning?: (w: string | null) => void }) {
  const [open, setOpen] = useState<Open>('none');
  const [error, setError] = useState<unknown>(null);
  const [allUnits, setAllUnits] = useState<string[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [types, setTypes] = useState<{ types: string[]; units: string[]; byType: Record<string, string[]> } | null>(null);
  const [etype, setEtype] = useState('');
  const [reply, setReply] = useState('');
  const [people, setPeople] = useState('');
  const [count, setCount] = useState('');
  const [equipment, setEquipment] = useState('');
  const [when, setWhen] = useState(localInput());
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);

  const office = OFFICE.includes(user.role);
  const parts = t.assists ?? [];
  const mine = user.role === 'unit' ? parts.find((p) => p.unit === user.unit && p.state !== 'removed') : undefined;
  const isLead = user.role === 'unit' && user.unit === t.unit;
  const onSiteUnit = office ? t.unit : isLead || mine ? user.unit : null;
  const record = (t.onSite ?? []).find((r) => r.unit === onSiteUnit);
  const mayOnSite = !!onSiteUnit && !!t.unit && [...OPEN, 'closed'].includes(t.state);

  useEffect(() => {
    if (!office) return;
    units().then((us) => setAllUnits(us.map((u) => u.name)), () => setAllUnits([]));
  }, [office]);
  useEffect(() => {
    // The lead unit is warned, before replying, of parts still open.
    if (isLead && onWarning) get<{ warning: string | null }>(`/api/v1/tickets/${t.id}/assist/warning`).then((r) => onWarning(r.warning), () => onWarning(null));
  }, [t.id, t.version]);

  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    setBusy(true);
    try {
      await fn();
      setOpen('none');
      setNote('');
      setReply('');
      setFiles([]);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const photos = async () => Promise.all(files.map(upload));
  const openLinkage = async () => {
    setOpen('linkage');
    try {
      const c = await get<{ types: string[]; units: string[]; byType: Record<string, string[]> }>('/api/v1/linkage');
      setTypes(c);
      setEtype(c.types[1] ?? c.types[0] ?? '');
    } catch (e) {
      setError(e);
    }
  };

  const show = parts.length > 0 || (office && CAN_ADD.includes(t.state)) || mine || mayOnSite;
  if (!show) return null;
  const linkageUnits = types ? (types.byType[etype] ?? types.units) : [];

  return (
    <div class="assist" data-testid="assist-panel">
      {error ? <ErrorBox error={error} /> : null}
      <Section
        title={`协办${t.emergencyType ? `（${t.emergencyType}应急联动）` : ''}`}
        actions={
          <>
            {office && CAN_ADD.includes(t.state) ? (
              <button type="button" class="btn btn-small" onClick={() => setOpen('add')}>
                增加协办
              </button>
            ) : null}
            {office && !t.emergencyType && ['dispatched', 'handling'].includes(t.state) ? (
              <button type="button" class="btn btn-small btn-urgent" data-testid="start-linkage" onClick={() => void openLinkage()}>
                应急联动
              </button>
            ) : null}
            {mine?.state === 'dispatched' ? (
              <button type="button" class="btn btn-small btn-primary" onClick={() => void run(() => post(`/api/v1/tickets/${t.id}/assist/sign`))}>
                签收协办
              </button>
            ) : null}
            {mine?.state === 'signed' ? (
              <button type="button" class="btn btn-small btn-primary" onClick={() => setOpen('reply')}>
                答复协办
              </button>
            ) : null}
          </>
        }
      >
        {parts.length === 0 ? <p class="muted">无协办单位</p> : null}
        {parts.length ? (
          <table class="grid compact" data-testid="assist-parts">
            <thead>
              <tr>
                <th>协办单位</th>
                <th>状态</th>
                <th>签收时限</th>
                <th>答复时限</th>
                <th>答复</th>
                {office ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {parts.map((p, i) => (
                <tr key={`${p.unit}-${i}`} data-unit={p.unit} class={p.state === 'removed' ? 'muted' : ''}>
                  <td>
                    {p.unit} {p.linkage ? <span class="badge badge-danger">联动</span> : null}
                  </td>
                  <td>
                    <span class={`badge ${p.state === 'replied' ? 'badge-ok' : p.state === 'dispatched' ? 'badge-warn' : 'badge-muted'}`}>{p.stateLabel}</span>
                    {p.supervision !== 'none' ? <span class="badge badge-danger">{p.supervision}</span> : null}
                  </td>
                  <td>
                    <Deadline at={p.signDeadline} done={p.state !== 'dispatched'} />
                  </td>
                  <td>
                    <Deadline at={p.replyDeadline} done={p.state !== 'dispatched' && p.state !== 'signed'} />
                  </td>
                  <td>
                    {p.reply ?? '—'}
                    {p.attachments.map((a, j) => (
                      <a key={j} href={a.url} target="_blank" rel="noopener noreferrer">
                        {' '}
                        附件{j + 1}
                      </a>
                    ))}
                  </td>
                  {office ? (
                    <td>
                      {p.state === 'dispatched' || p.state === 'signed' ? (
                        <button type="button" class="btn btn-small" onClick={() => void run(() => api('DELETE', `/api/v1/tickets/${t.id}/assists/${encodeURIComponent(p.unit)}`))}>
                          撤销
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {open === 'add' ? (
          <form
            class="inline-form"
            aria-label="增加协办"
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => post(`/api/v1/tickets/${t.id}/assists`, { units: chosen, ...(note.trim() ? { note } : {}) }));
            }}
          >
            <label>
              协办单位
              <select multiple size={6} required onChange={(e) => setChosen([...e.currentTarget.selectedOptions].map((o) => o.value))}>
                {allUnits
                  .filter((u) => u !== t.unit && !parts.some((p) => p.unit === u && p.state !== 'removed'))
                  .map((u) => (
                    <option key={u} value={u}>
                      {u}
                    </option>
                  ))}
              </select>
            </label>
            <label>
              说明
              <input type="text" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            </label>
            <button type="submit" class="btn btn-primary" disabled={!chosen.length || busy}>
              增加
            </button>
            <button type="button" class="btn" onClick={() => setOpen('none')}>
              取消
            </button>
          </form>
        ) : null}
        {open === 'linkage' && types ? (
          <form
            class="inline-form"
            aria-label="应急联动"
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => post(`/api/v1/tickets/${t.id}/linkage`, { emergencyType: etype, ...(note.trim() ? { note } : {}) }));
            }}
          >
            <label>
              突发事件类型
              <select value={etype} onChange={(e) => setEtype(e.currentTarget.value)}>
                {types.types.map((x) => (
                  <option key={x} value={x}>
                    {x}
                  </option>
                ))}
              </select>
            </label>
            <p class="muted">将增加协办并同时呼叫值班人员：{linkageUnits.filter((u) => u !== t.unit).join('、')}，以及主办单位 {t.unit}</p>
            <label>
              说明
              <input type="text" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            </label>
            <button type="submit" class="btn btn-primary btn-urgent" disabled={busy}>
              启动联动
            </button>
            <button type="button" class="btn" onClick={() => setOpen('none')}>
              取消
            </button>
          </form>
        ) : null}
        {open === 'reply' ? (
          <form
            class="inline-form"
            aria-label="答复协办"
            onSubmit={(e) => {
              e.preventDefault();
              void run(async () => post(`/api/v1/tickets/${t.id}/assist/reply`, { reply, attachments: await photos() }));
            }}
          >
            <label>
              协办答复
              <textarea required maxLength={5000} value={reply} onInput={(e) => setReply(e.currentTarget.value)} />
            </label>
            <label>
              照片
              <input type="file" accept="image/jpeg,image/png,image/webp" multiple onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} />
            </label>
            <button type="submit" class="btn btn-primary" disabled={!reply.trim() || busy}>
              提交答复
            </button>
            <button type="button" class="btn" onClick={() => setOpen('none')}>
              取消
            </button>
          </form>
        ) : null}
      </Section>
      {(t.onSite ?? []).length || mayOnSite ? (
        <Section
          title="现场处置"
          actions={
            mayOnSite ? (
              <>
                <button
                  type="button"
                  class="btn btn-small"
                  onClick={() => {
                    setWhen(localInput());
                    setOpen('dispatch');
                  }}
                >
                  {record?.sentAt ? '修改出动记录' : '登记出动'}
                </button>
                {!record?.arrivedAt ? (
                  <button
                    type="button"
                    class="btn btn-small btn-primary"
                    onClick={() => {
                      setWhen(localInput());
                      setOpen('arrival');
                    }}
                  >
                    登记到达
                  </button>
                ) : null}
              </>
            ) : null
          }
        >
          {(t.onSite ?? []).length === 0 ? <p class="muted">尚未登记现场处置。值班人员也可回复短信「到达 确认码」登记到达。</p> : null}
          <ul class="onsite" data-testid="onsite">
            {(t.onSite ?? []).map((r) => (
              <li key={r.unit} data-unit={r.unit}>
                <strong>{r.unit}</strong> 出动 {r.count || '—'} 人{r.people.length ? `（${r.people.join('、')}）` : ''}
                {r.equipment.length ? `，装备：${r.equipment.join('、')}` : ''}
                {r.sentAt ? <>，<Time iso={r.sentAt} /> 出发</> : ''}
                {r.arrivedAt ? <span class="badge badge-ok"><Time iso={r.arrivedAt} /> 到达{r.arrivedVia === 'sms' ? '（短信）' : r.arrivedVia === 'call' ? '（电话）' : ''}</span> : <span class="badge badge-warn">未到达</span>}
                {r.minutes !== null ? <span class="muted"> 用时 {r.minutes} 分钟</span> : null}
                {r.photos.length ? <span class="muted"> 现场照片 {r.photos.length} 张</span> : null}
              </li>
            ))}
          </ul>
          {open === 'dispatch' ? (
            <form
              class="inline-form"
              aria-label="登记出动"
              onSubmit={(e) => {
                e.preventDefault();
                void run(async () =>
                  post(`/api/v1/tickets/${t.id}/onsite/dispatch`, {
                    ...(office && onSiteUnit ? { unit: onSiteUnit } : {}),
                    people: people.split(/[,，、\s]+/).filter(Boolean),
                    ...(count ? { count: Number(count) } : {}),
                    equipment: equipment.split(/[,，、\s]+/).filter(Boolean),
                    sentAt: fromLocal(when),
                    attachments: await photos(),
                  }),
                );
              }}
            >
              <label>
                出动人员
                <input type="text" name="people" placeholder="姓名，用逗号分隔" value={people} onInput={(e) => setPeople(e.currentTarget.value)} />
              </label>
              <label>
                人数
                <input type="number" name="count" min={1} value={count} onInput={(e) => setCount(e.currentTarget.value)} />
              </label>
              <label>
                装备
                <input type="text" name="equipment" placeholder="车辆、设备，用逗号分隔" value={equipment} onInput={(e) => setEquipment(e.currentTarget.value)} />
              </label>
              <label>
                出发时间
                <input type="datetime-local" name="sentAt" value={when} onInput={(e) => setWhen(e.currentTarget.value)} />
              </label>
              <button type="submit" class="btn btn-primary" disabled={busy || (!people.trim() && !count)}>
                保存
              </button>
              <button type="button" class="btn" onClick={() => setOpen('none')}>
                取消
              </button>
            </form>
          ) : null}
          {open === 'arrival' ? (
            <form
              class="inline-form"
              aria-label="登记到达"
              onSubmit={(e) => {
                e.preventDefault();
                void run(async () => post(`/api/v1/tickets/${t.id}/onsite/arrival`, { ...(office && onSiteUnit ? { unit: onSiteUnit } : {}), arrivedAt: fromLocal(when), attachments: await photos() }));
              }}
            >
              <label>
                到达时间
                <input type="datetime-local" name="arrivedAt" value={when} onInput={(e) => setWhen(e.currentTarget.value)} />
              </label>
              <label>
                现场照片
                <input type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} />
              </label>
              <button type="submit" class="btn btn-primary" disabled={busy}>
                确认到达
              </button>
              <button type="button" class="btn" onClick={() => setOpen('none')}>
                取消
              </button>
            </form>
          ) : null}
        </Section>
      ) : null}
    </div>
  );
}
