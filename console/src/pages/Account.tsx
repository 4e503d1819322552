/** 我的账号: change your own password; your API tokens (create with an optional expiry, list, revoke). */
import { useState } from 'preact/hooks';
import { api, post } from '../api.js';
import { Empty, ErrorBox, Loading, Section } from '../components/ui.js';

import { useApi } from '../useApi.js';
import { Time } from '../components/Time.js';

interface TokenRow {
  id: string;
  createdAt: string;
  expiresAt: string | null;
  expired: boolean;
}

export function AccountPage() {
  return (
    <div>
      <h1 class="page-title">我的账号</h1>
      <Password />
      <Tokens />
    </div>
  );
}

function Password() {
  const [form, setForm] = useState({ current: '', next: '', again: '' });
  const [msg, setMsg] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMsg(null);
    if (form.next !== form.again) return setError(new Error('两次输入的新密码不一致'));
    try {
      await post('/api/v1/auth/password', { current: form.current, next: form.next });
      setForm({ current: '', next: '', again: '' });
      setMsg('密码已修改；您在其他地方的登录已退出。');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title="修改密码">
      <p class="hint">至少 10 位，不能是常见密码，不能包含用户名。</p>
      <form class="inline-form" onSubmit={submit}>
        <label>
          当前密码
          <input type="password" required autocomplete="current-password" value={form.current} onInput={(e) => setForm({ ...form, current: e.currentTarget.value })} />
        </label>
        <label>
          新密码
          <input type="password" required minLength={10} autocomplete="new-password" value={form.next} onInput={(e) => setForm({ ...form, next: e.currentTarget.value })} />
        </label>
        <label>
          再输一次
          <input type="password" required minLength={10} autocomplete="new-password" value={form.again} onInput={(e) => setForm({ ...form, again: e.currentTarget.value })} />
        </label>
        <button type="submit" class="btn btn-primary">
          修改
        </button>
      </form>
      <ErrorBox error={error} />
      {msg ? <div class="alert alert-ok">{msg}</div> : null}
    </Section>
  );
}

function Tokens() {
  const { data, error, reload } = useApi<{ items: TokenRow[] }>('/api/v1/tokens');
  const [days, setDays] = useState('90');
  const [fresh, setFresh] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setActionError(null);
    try {
      const r = await post<{ token: string }>('/api/v1/tokens', days ? { expiresInDays: Number(days) } : {});
      setFresh(r.token);
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const revoke = async (id: string) => {
    if (!confirm(`吊销令牌 ${id}？使用它的程序将立即无法访问。`)) return;
    try {
      await api('DELETE', `/api/v1/tokens/${id}`);
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <Section title="API 令牌">
      <ErrorBox error={error ?? actionError} />
      {!data ? (
        <Loading />
      ) : !data.items.length ? (
        <Empty>没有令牌。</Empty>
      ) : (
        <table class="grid">
          <caption class="sr-only">我的 API 令牌</caption>
          <thead>
            <tr>
              <th scope="col">编号</th>
              <th scope="col">创建时间</th>
              <th scope="col">到期</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((t) => (
              <tr key={t.id}>
                <td>
                  <code>{t.id}</code>
                </td>
                <td><Time iso={t.createdAt} /></td>
                <td>{t.expiresAt ? <><Time iso={t.expiresAt} />{t.expired ? '（已过期）' : ''}</> : '不过期'}</td>
                <td>
                  <button type="button" class="btn" onClick={() => void revoke(t.id)}>
                    吊销
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="inline-form" onSubmit={create}>
        <label>
          有效天数（空 = 不过期）
          <input type="number" min={1} max={3650} value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        </label>
        <button type="submit" class="btn btn-primary">
          新建令牌
        </button>
      </form>
      {fresh ? (
        <div class="alert alert-ok" role="status">
          新令牌（只显示这一次，请立即保存）：<code>{fresh}</code>
        </div>
      ) : null}
    </Section>
  );
}
