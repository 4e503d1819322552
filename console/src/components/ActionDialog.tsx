import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import type { ActionSpec } from '../actions.js';
import type { TicketView } from '../types.js';
import { DialogForm, UnitSelect } from './DialogForm.js';
import { ReplyPhotoPicker } from './ReplyPhotos.js';
import type { ReplyPhoto } from '../photos.js';

/** The form of one lifecycle action; posts it and hands the new ticket back. */
export function ActionDialog({ spec, ticket, onDone, onClose }: { spec: ActionSpec; ticket: TicketView; onDone: (t: TicketView) => void; onClose: () => void }) {
  const [f, setF] = useState<Record<string, string | boolean>>({ satisfaction: '满意', solved: true, level: '督办', approved: true, days: '3' });
  const [photos, setPhotos] = useState<ReplyPhoto[]>([]);
  const [uploading, setUploading] = useState(false);
  const v = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : '');
  const set = (k: string, x: string | boolean) => setF((o) => ({ ...o, [k]: x }));

  const body = async (): Promise<unknown> => {
    switch (spec.form) {
      case 'none':
        return {};
      case 'dispatch':
        return { unit: v('unit'), ...(v('note') ? { note: v('note') } : {}) };
      case 'reason':
        return { reason: v('reason') };
      case 'extension':
        return { days: Number(v('days')), reason: v('reason') };
      case 'decision':
        return { approved: f.approved === true, ...(v('note') ? { note: v('note') } : {}) };
      case 'reply':
        return { reply: v('reply'), ...(photos.length ? { attachmentIds: photos.map((p) => p.id) } : {}) };
      case 'followup':
        return { satisfaction: v('satisfaction'), solved: f.solved === true, ...(v('reason') ? { reason: v('reason') } : {}), wrongUnit: f.wrongUnit === true };
      case 'reopen':
        return { reason: v('reason'), toOperator: f.toOperator === true };
      case 'note':
        return spec.path === 'notes' ? { text: v('note') } : v('note') ? { note: v('note') } : {};
      case 'supervise':
        return { level: v('level'), ...(v('note') ? { note: v('note') } : {}) };
      case 'merge': {
        const r = await get<{ ticket: TicketView }>(`/api/v1/tickets/by-number/${encodeURIComponent(v('into').trim())}`);
        return { into: r.ticket.id };
      }
    }
  };

  const send = async () => {
    const r = await post<{ ticket: TicketView }>(`/api/v1/tickets/${ticket.id}/${spec.path}`, await body());
    onDone(r.ticket);
  };

  return (
    <DialogForm title={`${spec.label} · ${ticket.number}`} action={`确认${spec.label}`} hold={uploading} send={send} onClose={onClose}>
      {spec.form === 'none' ? <p>确认对工单 {ticket.number} 执行「{spec.label}」？</p> : null}
      {spec.form === 'dispatch' ? (
        <>
          <UnitSelect value={v('unit')} onChange={(u) => set('unit', u)} unavailable={ticket.state === 'dispatched' ? ticket.unit : null} />
          <label>
            派单说明
            <input value={v('note')} onInput={(e) => set('note', e.currentTarget.value)} maxLength={500} />
          </label>
        </>
      ) : null}
      {spec.form === 'reason' || spec.form === 'reopen' || spec.form === 'extension' ? (
        <label>
          {spec.form === 'reason' ? '退单理由' : spec.form === 'reopen' ? '重办原因' : '延期理由'}
          <textarea required rows={3} value={v('reason')} onInput={(e) => set('reason', e.currentTarget.value)} maxLength={2000} />
        </label>
      ) : null}
      {spec.form === 'extension' ? (
        <label>
          延期工作日数
          <input type="number" min={1} max={30} required value={v('days')} onInput={(e) => set('days', e.currentTarget.value)} />
        </label>
      ) : null}
      {spec.form === 'reopen' ? (
        <>
          <label class="check">
            <input type="checkbox" checked={f.toOperator === true} onChange={(e) => set('toOperator', e.currentTarget.checked)} />
            派错单位，退回话务员重新派单
          </label>
          {/* 重办 starts a new round: what the officer should know before pressing it. */}
          <p class="muted">重办即开始新一轮办理：退回原承办单位，签收和办结时限从现在起重新计算，即办工单会再次呼叫单位值班人员。</p>
        </>
      ) : null}
      {spec.form === 'reply' ? (
        <>
          <label>
            办理结果
            <textarea required rows={5} value={v('reply')} onInput={(e) => set('reply', e.currentTarget.value)} maxLength={5000} />
          </label>
          <ReplyPhotoPicker value={photos} onChange={setPhotos} onBusy={setUploading} />
        </>
      ) : null}
      {spec.form === 'decision' ? (
        <fieldset>
          <legend>审批结果</legend>
          <label class="check">
            <input type="radio" name="approved" checked={f.approved === true} onChange={() => set('approved', true)} />
            同意
          </label>
          <label class="check">
            <input type="radio" name="approved" checked={f.approved === false} onChange={() => set('approved', false)} />
            不同意
          </label>
        </fieldset>
      ) : null}
      {spec.form === 'followup' ? (
        <>
          <label>
            满意度
            <select value={v('satisfaction')} onChange={(e) => set('satisfaction', e.currentTarget.value)}>
              {['满意', '基本满意', '不满意', '未回访'].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label class="check">
            <input type="checkbox" checked={f.solved === true} onChange={(e) => set('solved', e.currentTarget.checked)} />
            问题已解决
          </label>
          <label class="check">
            <input type="checkbox" checked={f.wrongUnit === true} onChange={(e) => set('wrongUnit', e.currentTarget.checked)} />
            群众反映派错单位
          </label>
          <label>
            原因（可选）
            <textarea rows={2} value={v('reason')} onInput={(e) => set('reason', e.currentTarget.value)} />
          </label>
        </>
      ) : null}
      {spec.form === 'supervise' ? (
        <label>
          督办级别
          <select value={v('level')} onChange={(e) => set('level', e.currentTarget.value)}>
            {['催办', '督办', '通报'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      ) : null}
      {spec.form === 'merge' ? (
        <label>
          并入工单号
          <input required pattern="\d{8}-\d{4,}" placeholder="如 20261126-0001" value={v('into')} onInput={(e) => set('into', e.currentTarget.value)} />
        </label>
      ) : null}
      {spec.form === 'note' || spec.form === 'decision' || spec.form === 'supervise' ? (
        <label>
          {spec.path === 'notes' ? '备注内容' : '说明（可选）'}
          <textarea rows={2} required={spec.path === 'notes'} value={v('note')} onInput={(e) => set('note', e.currentTarget.value)} maxLength={spec.path === 'notes' ? 2000 : 500} />
        </label>
      ) : null}
    </DialogForm>
  );
}
