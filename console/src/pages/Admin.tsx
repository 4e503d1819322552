/** 管理: users and roles, units, the 职责清单 in service, the IVR flows drawn as graphs, and the callers' block list. */
import { useEffect, useState } from 'preact/hooks';
import { ROLES } from '../../../src/domain/policy.js';
import { api, post } from '../api.js';
import type { FlowGraphData } from '../components/FlowGraph.js';
import { lazy } from '../lazy.js';
import { Empty, ErrorBox, Loading, Section } from '../components/ui.js';
import { roleLabel } from '../format.js';
import { useApi } from '../useApi.js';
import type { Unit, User } from '../types.js';
import type { BlockEntry } from '../../../src/application/voice/blocked-callers.js';
import { KpiRules } from './KpiRules.js';
import { Time } from '../components/Time.js';

type Tab = 'users' | 'units' | 'duty' | 'flows' | 'blocked' | 'kpi';
const TABS: [Tab, string][] = [
  ['users', '用户与角色'],
  ['units', '承办单位'],
  ['duty', '职责清单'],
  ['flows', '语音流程'],
  ['blocked', '来电黑名单'],
  ['kpi', '考核规则'],
];

export function AdminPage({ user }: { user: User }) {
  const [tab, setTab] = useState<Tab>('users');
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = TABS.findIndex(([t]) => t === tab);
    const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length]![0];
    setTab(next);
    setTimeout(() => document.getElementById(`tab-${next}`)?.focus(), 0);
  };
  return (
    <div>
      <h1 class="page-title">管理</h1>
      <div class="tabs" role="tablist" aria-label="管理项目" onKeyDown={onKey}>
        {TABS.map(([t, label]) => (
          <button key={t} id={`tab-${t}`} type="button" role="tab" aria-selected={tab === t} aria-controls={`panel-${t}`} tabIndex={tab === t ? 0 : -1} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'users' ? <Users admin={user.role === 'admin'} /> : tab === 'units' ? <Units /> : tab === 'duty' ? <DutyList /> : tab === 'flows' ? <Flows /> : tab === 'kpi' ? <KpiRules admin={user.role === 'admin'} /> : <BlockedCallers />}
      </div>
    </div>
  );
}

interface UserRow {
  id: string;
  name: string;
  displayName: string | null;
  role: string;
  unit: string | null;
  disabled: boolean;
}

function Users({ admin }: { admin: boolean }) {
  const { data, error, reload } = useApi<{ items: UserRow[] }>('/api/v1/users');
  const units = useApi<{ items: Unit[] }>('/api/v1/units');
  const [form, setForm] = useState({ name: '', displayName: '', role: 'operator', unit: '', township: '', gridArea: '', password: '' });
  const [msg, setMsg] = useState<string | null>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const add = async (e: Event) => {
    e.preventDefault();
    setFormError(null);
    try {
      const r = await post<{ user: UserRow }>('/api/v1/users', {
        name: form.name.trim(),
        role: form.role,
        ...(form.displayName.trim() ? { displayName: form.displayName.trim() } : {}),
        ...(form.role === 'unit' ? { unit: form.unit } : {}),
        ...(form.role === 'grid' ? { township: form.township, gridArea: form.gridArea.trim() } : {}),
        ...(form.password ? { password: form.password } : {}),
      });
      setMsg(`已添加用户 ${r.user.name}`);
      setForm({ name: '', displayName: '', role: 'operator', unit: '', township: '', gridArea: '', password: '' });
      reload();
    } catch (err) {
      setFormError(err);
    }
  };
  // Disable (sessions end, tokens stop, sockets close), enable, reset the password (shown once), lift a login lock.
  const act = async (u: UserRow, action: 'disable' | 'enable' | 'reset-password' | 'unlock') => {
    const ask = { disable: `停用 ${u.name}？其登录立即失效，API 令牌停止工作。`, enable: null, 'reset-password': `重置 ${u.name} 的密码？其现有登录将退出。`, unlock: null }[action];
    if (ask && !confirm(ask)) return;
    setFormError(null);
    try {
      const r = await post<{ password?: string }>(`/api/v1/users/${encodeURIComponent(u.id)}/${action}`);
      setMsg(action === 'reset-password' ? `${u.name} 的新密码（只显示这一次，请当面交给本人）：${r.password}` : action === 'unlock' ? `已解除 ${u.name} 的登录锁定` : `已${action === 'disable' ? '停用' : '启用'} ${u.name}`);
      reload();
    } catch (err) {
      setFormError(err);
    }
  };
  return (
    <>
      <Section title="用户">
        <ErrorBox error={error} />
        {!data ? (
          <Loading />
        ) : (
          <table class="grid">
            <caption class="sr-only">用户列表</caption>
            <thead>
              <tr>
                <th scope="col">用户名</th>
                <th scope="col">姓名</th>
                <th scope="col">角色</th>
                <th scope="col">单位</th>
                <th scope="col">状态</th>
                {admin ? <th scope="col">操作</th> : null}
              </tr>
            </thead>
            <tbody>
              {data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.displayName ?? '—'}</td>
                  <td>{roleLabel(u.role)}</td>
                  <td>{u.unit ?? '—'}</td>
                  <td>{u.disabled ? <span class="badge badge-muted">已停用</span> : '正常'}</td>
                  {admin ? (
                    <td class="actions">
                      <button type="button" class="btn" onClick={() => void act(u, u.disabled ? 'enable' : 'disable')}>
                        {u.disabled ? '启用' : '停用'}
                      </button>
                      <button type="button" class="btn" onClick={() => void act(u, 'reset-password')}>
                        重置密码
                      </button>
                      <button type="button" class="btn" onClick={() => void act(u, 'unlock')}>
                        解除登录锁定
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {admin ? <LoginLocks /> : null}
      {admin ? (
        <Section title="添加用户">
          <form class="inline-form" onSubmit={add}>
            <label>
              用户名
              <input required minLength={2} value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
            </label>
            <label>
              姓名
              <input value={form.displayName} onInput={(e) => setForm({ ...form, displayName: e.currentTarget.value })} />
            </label>
            <label>
              角色
              <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {roleLabel(r)}
                  </option>
                ))}
              </select>
            </label>
            {form.role === 'unit' ? (
              <label>
                所属单位
                <select required value={form.unit} onChange={(e) => setForm({ ...form, unit: e.currentTarget.value })}>
                  <option value="">请选择</option>
                  {(units.data?.items ?? []).map((u) => (
                    <option key={u.name}>{u.name}</option>
                  ))}
                </select>
              </label>
            ) : null}
            {form.role === 'grid' ? (
              <>
                <label>
                  所属乡镇
                  <select required value={form.township} onChange={(e) => setForm({ ...form, township: e.currentTarget.value })}>
                    <option value="">请选择</option>
                    {(units.data?.items ?? [])
                      .filter((u) => u.kind === 'township')
                      .map((u) => (
                        <option key={u.name}>{u.name}</option>
                      ))}
                  </select>
                </label>
                <label>
                  网格
                  <input required maxLength={100} placeholder="如 红都社区第3网格" value={form.gridArea} onInput={(e) => setForm({ ...form, gridArea: e.currentTarget.value })} />
                </label>
              </>
            ) : null}
            <label>
              初始密码
              <input type="password" minLength={10} autocomplete="new-password" value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} />
            </label>
            <button type="submit" class="btn btn-primary">
              添加
            </button>
          </form>
          <ErrorBox error={formError} />
          {msg ? <div class="alert alert-ok">{msg}</div> : null}
        </Section>
      ) : null}
    </>
  );
}

/** Accounts and addresses locked after wrong passwords (an office behind one address may need its lock lifted). */
function LoginLocks() {
  const { data, error, reload } = useApi<{ items: { key: string; lockedUntil: string; failures: number }[] }>('/api/v1/login-locks');
  const [actionError, setActionError] = useState<unknown>(null);
  const lift = async (key: string) => {
    try {
      await api('DELETE', `/api/v1/login-locks/${encodeURIComponent(key)}`);
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <Section title="登录锁定">
      <ErrorBox error={error ?? actionError} />
      {!data ? (
        <Loading />
      ) : !data.items.length ? (
        <Empty>没有被锁定的账号或地址。</Empty>
      ) : (
        <table class="grid">
          <caption class="sr-only">登录锁定</caption>
          <thead>
            <tr>
              <th scope="col">账号或地址</th>
              <th scope="col">错误次数</th>
              <th scope="col">锁定至</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((l) => (
              <tr key={l.key}>
                <td>{l.key.replace(/^account:/, '账号 ').replace(/^address:/, '地址 ')}</td>
                <td>{l.failures}</td>
                <td><Time iso={l.lockedUntil} /></td>
                <td>
                  <button type="button" class="btn" onClick={() => void lift(l.key)}>
                    解除
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function Units() {
  const { data, error } = useApi<{ items: Unit[] }>('/api/v1/units');
  return (
    <Section title={`承办单位（${data?.items.length ?? 0}）`}>
      <ErrorBox error={error} />
      {!data ? (
        <Loading />
      ) : (
        <table class="grid compact">
          <caption class="sr-only">承办单位</caption>
          <thead>
            <tr>
              <th scope="col">单位</th>
              <th scope="col">类型</th>
              <th scope="col">状态</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((u) => (
              <tr key={u.name}>
                <td>{u.name}</td>
                <td>{u.kind}</td>
                <td>{u.active ? '在用' : '停用'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

interface DutyListView {
  units: { name: string; categories: string[]; keywords: { phrase: string; weight: number }[]; examples: string[]; boundary: string | null }[];
  townships: { name: string; places: string[] }[];
  urgent: { id: string; label: string; unit: string | null; phrases: string[] }[];
}

function DutyList() {
  const { data, error, missing } = useApi<DutyListView>('/api/v1/admin/duty-list');
  const [filter, setFilter] = useState('');
  if (missing) return <Empty missing>本版本没有职责清单接口。</Empty>;
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const f = filter.trim();
  const units = f ? data.units.filter((u) => u.name.includes(f) || u.keywords.some((k) => k.phrase.includes(f)) || u.examples.some((x) => x.includes(f))) : data.units;
  return (
    <>
      <Section title={`职责清单（${units.length} / ${data.units.length} 个单位）`} actions={<input type="search" aria-label="按单位或事项筛选" placeholder="按单位或事项筛选" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />}>
        <table class="grid">
          <caption class="sr-only">职责清单</caption>
          <thead>
            <tr>
              <th scope="col">单位</th>
              <th scope="col">类别</th>
              <th scope="col">主要事项（关键词）</th>
              <th scope="col">职责边界</th>
            </tr>
          </thead>
          <tbody>
            {units.map((u) => (
              <tr key={u.name}>
                <td>{u.name}</td>
                <td>{u.categories.join('、')}</td>
                <td class="cell-wrap">{u.keywords.slice(0, 14).map((k) => k.phrase).join('、')}</td>
                <td class="cell-wrap">{u.boundary ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title={`即办规则（${data.urgent.length}）`}>
        <ul class="rules">
          {data.urgent.map((r) => (
            <li key={r.id}>
              <strong>{r.label}</strong> {r.unit ? `→ ${r.unit}` : '（原承办单位）'} <span class="muted">{r.phrases.slice(0, 10).join('、')}</span>
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}

// dagre is fetched with the flow graph, not with every page.
const FlowGraph = lazy(() => import('../components/FlowGraph.js').then((m) => m.FlowGraph));

function Flows() {
  const { data, error, missing } = useApi<{ flows: FlowGraphData[]; errors: { file: string; line: number; message: string }[] }>('/api/v1/admin/flows');
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    if (data && !name && data.flows[0]) setName(data.flows.find((f) => f.name === 'hotline')?.name ?? data.flows[0].name);
  }, [data]);
  if (missing) return <Empty missing>本版本没有语音流程接口。</Empty>;
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  if (!data.flows.length) return <Empty>没有加载任何语音流程。</Empty>;
  const g = data.flows.find((f) => f.name === name) ?? data.flows[0]!;
  return (
    <Section
      title={`语音流程 · ${g.name}`}
      actions={
        <label class="inline">
          流程
          <select value={g.name} onChange={(e) => setName(e.currentTarget.value)}>
            {data.flows.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}（{f.file}）
              </option>
            ))}
          </select>
        </label>
      }
    >
      {g.description ? <p class="muted">{g.description}</p> : null}
      {data.errors.length ? (
        <div class="alert alert-error" role="alert">
          {data.errors.map((e, i) => (
            <div key={i}>
              {e.file}:{e.line} {e.message}
            </div>
          ))}
        </div>
      ) : null}
      <FlowGraph g={g} />
      <p class="muted">共 {g.steps.length} 个步骤；把鼠标停在步骤上可看到完整内容和行号。</p>
    </Section>
  );
}

/** 来电黑名单: a listed caller skips the menu and leaves a message, which still becomes a ticket. */
function BlockedCallers() {
  const { data, error, missing, reload } = useApi<{ items: BlockEntry[] }>('/api/v1/blocked-callers');
  const [form, setForm] = useState({ phone: '', reason: '', days: '30' });
  const [msg, setMsg] = useState<string | null>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const act = async (fn: () => Promise<string>) => {
    setFormError(null);
    try {
      setMsg(await fn());
      reload();
    } catch (err) {
      setFormError(err);
    }
  };
  const add = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const r = await post<{ entry: BlockEntry }>('/api/v1/blocked-callers', { phone: form.phone.trim(), reason: form.reason.trim(), ...(form.days ? { days: Number(form.days) } : {}) });
      setForm({ phone: '', reason: '', days: '30' });
      return `已将 ${r.entry.masked} 列入黑名单`;
    });
  };
  const lift = (e: BlockEntry) => {
    if (!confirm(`确定将 ${e.masked} 移出黑名单？`)) return;
    void act(async () => {
      await api('DELETE', `/api/v1/blocked-callers/${encodeURIComponent(e.phone)}`);
      return `已将 ${e.masked} 移出黑名单`;
    });
  };
  if (missing) return <Empty missing>本版本没有来电黑名单接口。</Empty>;
  return (
    <>
      <Section title={`来电黑名单（${data?.items.length ?? 0}）`}>
        <p class="muted">列入黑名单的号码来电时不进入菜单和人工队列，改为直接留言；留言仍生成工单，供复核。</p>
        <ErrorBox error={error} />
        {!data ? (
          <Loading />
        ) : !data.items.length ? (
          <Empty>黑名单为空。</Empty>
        ) : (
          <table class="grid">
            <caption class="sr-only">来电黑名单</caption>
            <thead>
              <tr>
                <th scope="col">号码</th>
                <th scope="col">原因</th>
                <th scope="col">决定人</th>
                <th scope="col">列入时间</th>
                <th scope="col">期限至</th>
                <th scope="col">操作</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <tr key={e.phone}>
                  <td>{e.phone}</td>
                  <td class="cell-wrap">{e.reason}</td>
                  <td>{e.by?.name ?? '—'}</td>
                  <td><Time iso={e.at} /></td>
                  <td>{e.until ? <Time iso={e.until} /> : '长期'}</td>
                  <td>
                    <button type="button" class="btn" onClick={() => lift(e)}>
                      移出
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="列入黑名单">
        <form class="inline-form" onSubmit={add}>
          <label>
            电话号码
            <input required inputMode="tel" pattern="[+]?[0-9]{3,20}" value={form.phone} onInput={(e) => setForm({ ...form, phone: e.currentTarget.value })} />
          </label>
          <label>
            原因
            <input required maxLength={200} value={form.reason} onInput={(e) => setForm({ ...form, reason: e.currentTarget.value })} />
          </label>
          <label>
            期限
            <select value={form.days} onChange={(e) => setForm({ ...form, days: e.currentTarget.value })}>
              <option value="7">7 天</option>
              <option value="30">30 天</option>
              <option value="90">90 天</option>
              <option value="365">1 年</option>
              <option value="">长期（直至移出）</option>
            </select>
          </label>
          <button type="submit" class="btn btn-primary">
            列入
          </button>
        </form>
        <ErrorBox error={formError} />
        {msg ? (
          <div class="alert alert-ok" role="status">
            {msg}
          </div>
        ) : null}
      </Section>
    </>
  );
}
