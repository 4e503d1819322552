/**
 * 值班设置: the editors of one unit's duty roster (members, the rotation, 调班 and 请假), its
 * escalation chain (ordered steps: who, by call/SMS/WeChat, how long to wait) and its contacts
 * (head, deputy, office phone), for the roles the API lets write them (PUT /api/v1/duty/…: the
 * hotline office's supervisors and admins). Every save is audited by the server; each editor shows
 * who changed it last (GET /api/v1/duty/changes/:unit), and a validation error from the server
 * appears next to the field it names (`details.field`).
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, get, post } from '../api.js';
import { Time } from '../components/Time.js';
import { ErrorBox, Loading, Section } from '../components/ui.js';
import { navigate, useLocation } from '../router.js';
import { units as loadUnits } from '../units.js';
import type { User } from '../types.js';

export const DUTY_EDITORS = ['admin', 'supervisor'];
const HOTLINE = '12345热线办';

interface Member {
  id: string;
  name: string;
  phone: string | null;
}
interface Rotation {
  period: 'daily' | 'weekly';
  handoff: string;
  start: string;
  order: string[];
  holidays: 'pass' | 'hold';
}
interface Override {
  id: string;
  start: string;
  end: string;
  person: string;
  reason: string;
}
interface Leave {
  id: string;
  start: string;
  end: string;
  memberId: string;
  reason?: string;
}
interface Roster {
  unit: string;
  members: Member[];
  rotation: Rotation | null;
  overrides: Override[];
  leave: Leave[];
  version: number;
}
interface Step {
  target: string;
  person?: { name: string; phone: string };
  channel: string;
  ackTimeoutSec?: number;
  attempts?: number;
  gapSec?: number;
  repeat?: boolean;
}
interface Chain {
  steps: Step[];
  pageOnSignOverdue: boolean;
  version: number;
}
interface Person {
  name: string;
  phone: string;
}
interface Contacts {
  head: Person | null;
  deputy: Person | null;
  officePhone: string | null;
  version: number;
}
interface LastChange {
  at: string;
  kind: string;
  by: { id: string; name: string | null };
}
type Changes = Record<'roster' | 'chain' | 'contacts', LastChange | null>;

const TARGETS: Record<string, string> = { duty: '值班人员', person: '指定人员', unit_head: '单位负责人', hotline_duty: '热线办值班室', city_duty: '市政府值班室' };
const CHANNELS: Record<string, string> = { call: '电话', sms: '短信', wechat: '微信' };

/**
 * A server error split into the message next to its field (`details.field`) and the rest: `shows`
 * says which fields an editor has a place for; any other error goes to the box under the form.
 */
function useFieldErrors(shows: RegExp) {
  const [error, setError] = useState<unknown>(null);
  const field = error instanceof ApiError && typeof error.details?.field === 'string' ? error.details.field : null;
  const placed = !!field && shows.test(field);
  return {
    error,
    setError,
    general: placed ? null : error,
    Err: ({ name }: { name: string }) =>
      placed && field === name ? (
        <span class="field-error" role="alert" data-field={name}>
          {(error as ApiError).message}
        </span>
      ) : null,
  };
}

function LastChanged({ change }: { change: LastChange | null | undefined }) {
  if (change === undefined) return null;
  return (
    <p class="muted last-change" data-testid="last-change">
      {change ? (
        <>
          最近修改：{change.by.name ?? change.by.id} · <Time iso={change.at} />
        </>
      ) : (
        '尚无修改记录'
      )}
    </p>
  );
}

const localInput = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16);
const fromLocal = (v: string) => (v ? new Date(`${v}:00+08:00`).toISOString() : '');
const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const newId = () => `m${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="edit-field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/**
 * An editor's save: `busy` while the request runs; what it did goes to `notice`, an error to the
 * field errors (`setError`). `start` clears both before a new attempt.
 */
function useSaving(setError: (e: unknown) => void) {
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const start = () => {
    setError(null);
    setNotice('');
  };
  /** `work` answers the notice to show. */
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      setNotice(await work());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, notice, setNotice, start, run };
}

function SaveButton({ busy, label }: { busy: boolean; label: string }) {
  return (
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? '正在保存…' : label}
      </button>
    </div>
  );
}

/** Under an editor: the error no field shows, and what the last save did (read out by screen readers). */
function Outcome({ error, notice }: { error: unknown; notice: string }) {
  return (
    <>
      <ErrorBox error={error} />
      <div class={notice ? 'alert alert-ok' : 'sr-only'} role="status" aria-live="polite">
        {notice}
      </div>
    </>
  );
}

/** A select's options from value → label. */
function Options({ of }: { of: Record<string, string> }) {
  return (
    <>
      {Object.entries(of).map(([k, v]) => (
        <option key={k} value={k}>
          {v}
        </option>
      ))}
    </>
  );
}

/** The list with item `i` moved one place up (-1) or down (1). */
function moved<T>(list: T[], i: number, d: -1 | 1): T[] {
  const next = [...list];
  [next[i], next[i + d]] = [next[i + d]!, next[i]!];
  return next;
}

/** 上移, 下移, 删除 for one row of an ordered list; `label` names the button for a screen reader. */
function RowActions(p: { index: number; count: number; label: (verb: string) => string; onMove: (d: -1 | 1) => void; onRemove: () => void; keepOne?: boolean }) {
  return (
    <div class="row-actions">
      <button type="button" class="btn btn-small" disabled={p.index === 0} aria-label={p.label('上移')} onClick={() => p.onMove(-1)}>
        上移
      </button>
      <button type="button" class="btn btn-small" disabled={p.index === p.count - 1} aria-label={p.label('下移')} onClick={() => p.onMove(1)}>
        下移
      </button>
      <button type="button" class="btn btn-small" disabled={!!p.keepOne && p.count === 1} aria-label={p.label('删除')} onClick={p.onRemove}>
        删除
      </button>
    </div>
  );
}

/** 调班 (someone stands in) and 请假 (someone is away): the same list and form, other names and fields. */
const EXCEPTIONS = {
  overrides: { title: '调班', who: '顶班人员', reason: '原因', reasonRequired: true, path: 'overrides' },
  leave: { title: '请假', who: '请假人员', reason: '事由（可选）', reasonRequired: false, path: 'leave' },
} as const;
type ExceptionKind = keyof typeof EXCEPTIONS;
interface ExceptionDraft {
  who: string;
  start: string;
  end: string;
  reason: string;
}
const NO_DRAFT: ExceptionDraft = { who: '', start: '', end: '', reason: '' };

function ExceptionList(p: {
  kind: ExceptionKind;
  items: { id: string; who: string; start: string; end: string; reason?: string }[];
  members: Member[];
  name: (id: string) => string;
  Err: (p: { name: string }) => JSX.Element | null;
  /** resolves true when the server took it (the form is then cleared) */
  onAdd: (d: ExceptionDraft) => Promise<boolean>;
  onRemove: (id: string) => void;
}) {
  const k = EXCEPTIONS[p.kind];
  const [d, setD] = useState(NO_DRAFT);
  const { Err } = p;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await p.onAdd(d)) setD(NO_DRAFT);
  };
  return (
    <div>
      <h3>{k.title}</h3>
      <ul class="plain-list" aria-label={k.title}>
        {p.items.map((x) => (
          <li key={x.id}>
            {p.name(x.who)}：<Time iso={x.start} absolute /> 至 <Time iso={x.end} absolute />
            {x.reason ? `（${x.reason}）` : ''}
            <button type="button" class="btn btn-small" aria-label={`删除${k.title} ${p.name(x.who)}`} onClick={() => p.onRemove(x.id)}>
              删除
            </button>
          </li>
        ))}
        {p.items.length ? null : <li class="muted">无</li>}
      </ul>
      <form class="edit-grid" aria-label={`添加${k.title}`} onSubmit={submit}>
        <Field label={k.who}>
          <select required value={d.who} onChange={(e) => setD({ ...d, who: e.currentTarget.value })}>
            <option value="">请选择</option>
            {p.members.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="开始">
          <input type="datetime-local" required value={d.start} onInput={(e) => setD({ ...d, start: e.currentTarget.value })} />
        </Field>
        <Field label="结束">
          <input type="datetime-local" required value={d.end} onInput={(e) => setD({ ...d, end: e.currentTarget.value })} />
          <Err name={`${k.path}.${p.items.length}.end`} />
        </Field>
        <Field label={k.reason}>
          <input required={k.reasonRequired} maxLength={200} value={d.reason} onInput={(e) => setD({ ...d, reason: e.currentTarget.value })} />
        </Field>
        <button type="submit" class="btn btn-small">
          添加{k.title}
        </button>
      </form>
    </div>
  );
}

// ---- roster -------------------------------------------------------------------------------------

function RosterEditor({ unit, change, onSaved }: { unit: string; change: LastChange | null | undefined; onSaved: () => void }) {
  const [roster, setRoster] = useState<Roster | null>(null);
  const [members, setMembers] = useState<Member[]>([]);
  const [rotation, setRotation] = useState<Rotation>({ period: 'daily', handoff: '08:30', start: today(), order: [], holidays: 'pass' });
  const [loaded, setLoaded] = useState(false);
  const errs = useFieldErrors(/^(members\.\d+\.(name|phone)|rotation\.(period|handoff|start|order)|overrides\.\d+\.end|leave\.\d+\.end)$/);
  const saving = useSaving(errs.setError);

  const show = (r: Roster | null) => {
    setRoster(r);
    setMembers(r ? r.members.map((m) => ({ ...m })) : []);
    if (r?.rotation) setRotation({ ...r.rotation });
    setLoaded(true);
  };
  const load = () =>
    get<{ roster: Roster }>(`/api/v1/duty/rosters/${encodeURIComponent(unit)}`).then(
      (r) => show(r.roster),
      (e) => (e instanceof ApiError && e.code === 'no_roster' ? show(null) : errs.setError(e)),
    );
  useEffect(() => {
    setLoaded(false);
    saving.start();
    void load();
  }, [unit]);

  const setMember = (i: number, k: 'name' | 'phone', v: string) => setMembers(members.map((m, j) => (j === i ? { ...m, [k]: v } : m)));
  const save = (e: Event) => {
    e.preventDefault();
    saving.start();
    return saving.run(async () => {
      const ms = members.map((m) => ({ id: m.id, name: m.name.trim(), phone: m.phone?.trim() || null }));
      const r = await api<{ roster: Roster }>('PUT', `/api/v1/duty/rosters/${encodeURIComponent(unit)}`, {
        members: ms,
        // the rotation goes round the members in the order listed
        rotation: ms.length ? { ...rotation, order: ms.map((m) => m.id) } : null,
        overrides: roster?.overrides ?? [],
        leave: roster?.leave ?? [],
        expectedVersion: roster?.version ?? 0,
      });
      show(r.roster);
      onSaved();
      return `值班表已保存（第 ${r.roster.version} 版）`;
    });
  };
  const add = async (kind: ExceptionKind, d: ExceptionDraft) => {
    errs.setError(null);
    const when = { start: fromLocal(d.start), end: fromLocal(d.end) };
    // The two take the person under different names; a 请假 may have no reason.
    const body = kind === 'overrides' ? { person: d.who, ...when, reason: d.reason } : { memberId: d.who, ...when, ...(d.reason ? { reason: d.reason } : {}) };
    try {
      const r = await post<{ roster: Roster }>(`/api/v1/duty/rosters/${encodeURIComponent(unit)}/${kind}`, body);
      show(r.roster);
      saving.setNotice(`已添加${EXCEPTIONS[kind].title}`);
      onSaved();
      return true;
    } catch (err) {
      errs.setError(err);
      return false;
    }
  };
  const remove = async (kind: ExceptionKind, id: string) => {
    errs.setError(null);
    try {
      const r = await api<{ roster: Roster }>('DELETE', `/api/v1/duty/rosters/${encodeURIComponent(unit)}/${kind}/${encodeURIComponent(id)}`);
      show(r.roster);
      onSaved();
    } catch (err) {
      errs.setError(err);
    }
  };
  const name = (id: string) => roster?.members.find((m) => m.id === id)?.name ?? id;
  const { Err } = errs;
  if (!loaded) return <Loading />;
  const form = (
    <form class="duty-editor" aria-label="值班表" onSubmit={save}>
      <h3>值班人员与轮班顺序</h3>
      <ol class="edit-rows">
        {members.map((m, i) => (
          <li key={m.id} class="edit-row" data-member={i}>
            <Field label={`第${i + 1}位 姓名`}>
              <input value={m.name} required maxLength={64} onInput={(e) => setMember(i, 'name', e.currentTarget.value)} />
              <Err name={`members.${i}.name`} />
            </Field>
            <Field label={`第${i + 1}位 电话`}>
              <input type="tel" value={m.phone ?? ''} maxLength={32} onInput={(e) => setMember(i, 'phone', e.currentTarget.value)} />
              <Err name={`members.${i}.phone`} />
            </Field>
            <RowActions
              index={i}
              count={members.length}
              label={(verb) => `${verb} ${m.name || `第${i + 1}位`}`}
              onMove={(d) => setMembers(moved(members, i, d))}
              onRemove={() => setMembers(members.filter((_, j) => j !== i))}
            />
          </li>
        ))}
      </ol>
      <button type="button" class="btn btn-small" onClick={() => setMembers([...members, { id: newId(), name: '', phone: '' }])}>
        ＋ 添加值班人员
      </button>
      <h3>轮班规则</h3>
      <div class="edit-grid">
        <Field label="轮班周期">
          <select value={rotation.period} onChange={(e) => setRotation({ ...rotation, period: e.currentTarget.value as Rotation['period'] })}>
            <option value="daily">每日轮换</option>
            <option value="weekly">每周轮换</option>
          </select>
          <Err name="rotation.period" />
        </Field>
        <Field label="交接班时间">
          <input type="time" value={rotation.handoff} required onInput={(e) => setRotation({ ...rotation, handoff: e.currentTarget.value })} />
          <Err name="rotation.handoff" />
        </Field>
        <Field label="第一位开始日期">
          <input type="date" value={rotation.start} required onInput={(e) => setRotation({ ...rotation, start: e.currentTarget.value })} />
          <Err name="rotation.start" />
        </Field>
        <Field label="节假日">
          <select value={rotation.holidays} onChange={(e) => setRotation({ ...rotation, holidays: e.currentTarget.value as Rotation['holidays'] })}>
            <option value="pass">照常轮换</option>
            <option value="hold">顺延到下一个工作日交接</option>
          </select>
        </Field>
      </div>
      <Err name="rotation.order" />
      <SaveButton busy={saving.busy} label="保存值班表" />
    </form>
  );
  return (
    <>
      <LastChanged change={change} />
      {form}
      {roster ? (
        <div class="duty-subeditors">
          <ExceptionList
            kind="overrides"
            items={roster.overrides.map((o) => ({ id: o.id, who: o.person, start: o.start, end: o.end, reason: o.reason }))}
            members={roster.members}
            name={name}
            Err={Err}
            onAdd={(d) => add('overrides', d)}
            onRemove={(id) => void remove('overrides', id)}
          />
          <ExceptionList
            kind="leave"
            items={roster.leave.map((l) => ({ id: l.id, who: l.memberId, start: l.start, end: l.end, ...(l.reason ? { reason: l.reason } : {}) }))}
            members={roster.members}
            name={name}
            Err={Err}
            onAdd={(d) => add('leave', d)}
            onRemove={(id) => void remove('leave', id)}
          />
        </div>
      ) : (
        <p class="muted">保存值班表后可登记调班和请假。</p>
      )}
      <Outcome error={errs.general} notice={saving.notice} />
    </>
  );
}

// ---- escalation chain ---------------------------------------------------------------------------

function ChainEditor({ unit, change, onSaved }: { unit: string; change: LastChange | null | undefined; onSaved: () => void }) {
  const [chain, setChain] = useState<Chain | null>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const errs = useFieldErrors(/^(steps|steps\.\d+\.(target|person|channel|ackTimeoutSec|attempts|repeat))$/);
  const saving = useSaving(errs.setError);
  const show = (c: Chain) => {
    setChain(c);
    setSteps(c.steps.map((s) => ({ ...s, ...(s.person ? { person: { ...s.person } } : {}) })));
  };
  useEffect(() => {
    setChain(null);
    saving.start();
    get<{ chain: Chain }>(`/api/v1/duty/chains/${encodeURIComponent(unit)}`).then((r) => show(r.chain), errs.setError);
  }, [unit]);
  const set = (i: number, s: Partial<Step>) => setSteps(steps.map((x, j) => (j === i ? { ...x, ...s } : x)));
  const save = (e: Event) => {
    e.preventDefault();
    saving.start();
    return saving.run(async () => {
      const body = {
        steps: steps.map((s, i) => ({
          target: s.target,
          channel: s.channel,
          ackTimeoutSec: s.ackTimeoutSec ?? 300,
          attempts: s.attempts ?? 1,
          gapSec: s.gapSec ?? 60,
          ...(s.target === 'person' ? { person: { name: s.person?.name ?? '', phone: s.person?.phone ?? '' } } : {}),
          // the last step (a duty office) repeats until someone acknowledges
          ...(i === steps.length - 1 ? { repeat: true } : {}),
        })),
        pageOnSignOverdue: chain?.pageOnSignOverdue ?? false,
        expectedVersion: chain?.version ?? 0,
      };
      const r = await api<{ chain: Chain }>('PUT', `/api/v1/duty/chains/${encodeURIComponent(unit)}`, body);
      show(r.chain);
      onSaved();
      return `升级链已保存（第 ${r.chain.version} 版）`;
    });
  };
  const { Err } = errs;
  if (!chain) return errs.error ? <ErrorBox error={errs.error} /> : <Loading />;
  return (
    <>
      <LastChanged change={change} />
      <form class="duty-editor" aria-label="升级链" onSubmit={save}>
        <ol class="edit-rows">
          {steps.map((s, i) => (
            <li key={i} class="edit-row" data-step={i}>
              <strong class="step-no">第{i + 1}步</strong>
              <Field label={`第${i + 1}步 呼叫对象`}>
                <select value={s.target} onChange={(e) => set(i, { target: e.currentTarget.value })}>
                  <Options of={TARGETS} />
                </select>
                <Err name={`steps.${i}.target`} />
              </Field>
              {s.target === 'person' ? (
                <>
                  <Field label={`第${i + 1}步 姓名`}>
                    <input value={s.person?.name ?? ''} onInput={(e) => set(i, { person: { name: e.currentTarget.value, phone: s.person?.phone ?? '' } })} />
                  </Field>
                  <Field label={`第${i + 1}步 电话`}>
                    <input type="tel" value={s.person?.phone ?? ''} onInput={(e) => set(i, { person: { name: s.person?.name ?? '', phone: e.currentTarget.value } })} />
                    <Err name={`steps.${i}.person`} />
                  </Field>
                </>
              ) : null}
              <Field label={`第${i + 1}步 方式`}>
                <select value={s.channel} onChange={(e) => set(i, { channel: e.currentTarget.value })}>
                  <Options of={CHANNELS} />
                </select>
                <Err name={`steps.${i}.channel`} />
              </Field>
              <Field label={`第${i + 1}步 等待确认（分钟）`}>
                <input type="number" min={0.5} max={60} step={0.5} value={(s.ackTimeoutSec ?? 300) / 60} onInput={(e) => set(i, { ackTimeoutSec: Math.round(Number(e.currentTarget.value) * 60) })} />
                <Err name={`steps.${i}.ackTimeoutSec`} />
              </Field>
              <Field label={`第${i + 1}步 次数`}>
                <input type="number" min={1} max={5} value={s.attempts ?? 1} onInput={(e) => set(i, { attempts: Number(e.currentTarget.value) })} />
                <Err name={`steps.${i}.attempts`} />
              </Field>
              {i === steps.length - 1 ? <span class="muted">最后一步重复呼叫，直到有人确认</span> : null}
              <Err name={`steps.${i}.repeat`} />
              <RowActions
                index={i}
                count={steps.length}
                keepOne
                label={(verb) => `${verb}第${i + 1}步`}
                onMove={(d) => setSteps(moved(steps, i, d))}
                onRemove={() => setSteps(steps.filter((_, j) => j !== i))}
              />
            </li>
          ))}
        </ol>
        <Err name="steps" />
        <button type="button" class="btn btn-small" onClick={() => setSteps([...steps.slice(0, -1), { target: 'duty', channel: 'call', ackTimeoutSec: 300, attempts: 1, gapSec: 60 }, ...steps.slice(-1)])}>
          ＋ 添加一步
        </button>
        <label class="check">
          <input type="checkbox" checked={chain.pageOnSignOverdue} onChange={(e) => setChain({ ...chain, pageOnSignOverdue: e.currentTarget.checked })} />
          普通工单超时未签收时也呼叫
        </label>
        <SaveButton busy={saving.busy} label="保存升级链" />
      </form>
      <Outcome error={errs.general} notice={saving.notice} />
    </>
  );
}

// ---- contacts -----------------------------------------------------------------------------------

/** A phone number as the server reads one (3–20 digits, separators aside); the server checks again. */
const PHONE = /^\+?\d{3,20}$/;

function ContactsEditor({ unit, change, onSaved }: { unit: string; change: LastChange | null | undefined; onSaved: () => void }) {
  const [c, setC] = useState<Contacts | null>(null);
  const [f, setF] = useState({ headName: '', headPhone: '', deputyName: '', deputyPhone: '', officePhone: '' });
  const [local, setLocal] = useState<Record<string, string>>({});
  const errs = useFieldErrors(/^(head|deputy)\.(name|phone)$|^officePhone$/);
  const saving = useSaving(errs.setError);
  const show = (x: Contacts) => {
    setC(x);
    setF({ headName: x.head?.name ?? '', headPhone: x.head?.phone ?? '', deputyName: x.deputy?.name ?? '', deputyPhone: x.deputy?.phone ?? '', officePhone: x.officePhone ?? '' });
  };
  useEffect(() => {
    setC(null);
    saving.start();
    get<{ contacts: Contacts }>(`/api/v1/duty/contacts/${encodeURIComponent(unit)}`).then((r) => show(r.contacts), errs.setError);
  }, [unit]);
  const save = (e: Event) => {
    e.preventDefault();
    saving.start();
    // The phone format is checked here first; the server checks everything again.
    const bad: Record<string, string> = {};
    for (const [k, field] of [['headPhone', 'head.phone'], ['deputyPhone', 'deputy.phone'], ['officePhone', 'officePhone']] as const) {
      const v = f[k].replace(/[\s\-.()（）]/g, '');
      if (v && !PHONE.test(v)) bad[field] = '电话号码只能包含数字（手机 11 位，座机带区号）';
    }
    setLocal(bad);
    if (Object.keys(bad).length) return;
    const person = (name: string, phone: string) => (name.trim() || phone.trim() ? { name: name.trim(), phone: phone.trim() } : null);
    return saving.run(async () => {
      const r = await api<{ contacts: Contacts }>('PUT', `/api/v1/duty/contacts/${encodeURIComponent(unit)}`, {
        head: person(f.headName, f.headPhone),
        deputy: person(f.deputyName, f.deputyPhone),
        officePhone: f.officePhone.trim() || null,
        expectedVersion: c?.version ?? 0,
      });
      show(r.contacts);
      onSaved();
      return `联系人已保存（第 ${r.contacts.version} 版）`;
    });
  };
  const { Err } = errs;
  const input = (k: keyof typeof f, label: string, field: string, tel = false) => (
    <Field label={label}>
      <input type={(tel ? 'tel' : 'text') as 'text'} value={f[k]} maxLength={32} aria-invalid={local[field] ? 'true' : undefined} onInput={(e) => setF({ ...f, [k]: e.currentTarget.value })} />
      {local[field] ? (
        <span class="field-error" role="alert" data-field={field}>
          {local[field]}
        </span>
      ) : (
        <Err name={field} />
      )}
    </Field>
  );
  if (!c) return errs.error ? <ErrorBox error={errs.error} /> : <Loading />;
  return (
    <>
      <LastChanged change={change} />
      <form class="duty-editor edit-grid" aria-label="单位联系人" onSubmit={save}>
        {input('headName', '单位负责人姓名', 'head.name')}
        {input('headPhone', '单位负责人电话', 'head.phone', true)}
        {input('deputyName', '分管负责人姓名', 'deputy.name')}
        {input('deputyPhone', '分管负责人电话', 'deputy.phone', true)}
        {input('officePhone', '办公室电话', 'officePhone', true)}
        <SaveButton busy={saving.busy} label="保存联系人" />
      </form>
      <Outcome error={errs.general} notice={saving.notice} />
    </>
  );
}

// ---- the page -----------------------------------------------------------------------------------

export function DutyEditPage({ user }: { user: User }) {
  const { query } = useLocation();
  const unit = query.get('unit') ?? '';
  const [names, setNames] = useState<string[]>([]);
  const [changes, setChanges] = useState<Changes | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    loadUnits().then((us) => setNames([HOTLINE, ...us.map((u) => u.name)]), setError);
  }, []);
  const loadChanges = () => {
    if (unit) get<Changes>(`/api/v1/duty/changes/${encodeURIComponent(unit)}`).then(setChanges, setError);
  };
  useEffect(() => {
    setChanges(null);
    loadChanges();
  }, [unit]);
  if (!DUTY_EDITORS.includes(user.role)) return <div class="alert alert-error" role="alert">只有热线办督办员和管理员可以修改值班设置。</div>;
  return (
    <div>
      <h1 class="page-title">值班设置</h1>
      <p>
        <a href="/duty">← 返回值班与呼叫</a>
      </p>
      <ErrorBox error={error} />
      <label class="edit-field unit-pick">
        <span>单位</span>
        <select value={unit} onChange={(e) => navigate(`/duty/edit?unit=${encodeURIComponent(e.currentTarget.value)}`, true)}>
          <option value="">请选择单位</option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      {unit ? (
        <div class="duty-edit">
          <Section title={`${unit} · 值班表`}>
            <RosterEditor unit={unit} change={changes ? changes.roster : undefined} onSaved={loadChanges} />
          </Section>
          <Section title={`${unit} · 升级链`}>
            <ChainEditor unit={unit} change={changes ? changes.chain : undefined} onSaved={loadChanges} />
          </Section>
          <Section title={`${unit} · 单位联系人`}>
            <ContactsEditor unit={unit} change={changes ? changes.contacts : undefined} onSaved={loadChanges} />
          </Section>
        </div>
      ) : (
        <p class="muted">请选择要设置的单位。</p>
      )}
    </div>
  );
}
