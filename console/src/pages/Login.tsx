import { useState } from 'preact/hooks';
import { ErrorBox } from '../components/ui.js';
import { location, navigate } from '../router.js';
import { homeOf, login } from '../session.js';

export function LoginPage() {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const u = await login(name.trim(), password);
      const next = location.get().query.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : homeOf(u), true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">速办 · 12345 热线工作台</h1>
        <p class="muted">话务员、承办单位、督办员与管理员登录</p>
        <label>
          用户名
          <input name="name" autocomplete="username" required value={name} onInput={(e) => setName(e.currentTarget.value)} autofocus />
        </label>
        <label>
          密码
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? '正在登录…' : '登录'}
        </button>
      </form>
    </main>
  );
}
