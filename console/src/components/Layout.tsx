import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Role } from '../../../src/domain/policy.js';
import { roleLabel } from '../format.js';
import { Alerts } from './Alerts.js';
import { liveStatus } from '../live.js';
import { useLocation } from '../router.js';
import { logout } from '../session.js';
import { useStore } from '../store.js';
import type { User } from '../types.js';

export interface NavItem {
  path: string;
  label: string;
  roles: Role[];
}

export const NAV: NavItem[] = [
  { path: '/desk', label: '话务台', roles: ['operator', 'supervisor', 'admin'] },
  { path: '/inbox', label: '单位待办', roles: ['unit'] },
  { path: '/tickets', label: '工单', roles: ['operator', 'unit', 'supervisor', 'admin'] },
  { path: '/duty', label: '值班与呼叫', roles: ['operator', 'unit', 'supervisor', 'admin'] },
  { path: '/board', label: '督办看板', roles: ['operator', 'supervisor', 'admin'] },
  { path: '/knowledge', label: '知识库', roles: ['operator', 'unit', 'supervisor', 'admin'] },
  { path: '/admin', label: '管理', roles: ['supervisor', 'admin'] },
  { path: '/mayor-day', label: '市长热线日', roles: ['supervisor', 'admin'] },
  { path: '/grid', label: '网格', roles: ['grid'] },
  { path: '/media', label: '跟踪报道', roles: ['media', 'supervisor', 'admin'] },
  { path: '/account', label: '我的账号', roles: ['operator', 'unit', 'supervisor', 'admin', 'grid', 'media'] },
];

export function Layout({ user, children }: { user: User; children: ComponentChildren }) {
  const loc = useLocation();
  const live = useStore(liveStatus);
  const online = live.console === 'open' && (live.operator === 'off' || live.operator === 'open');
  // On a phone the navigation folds behind a 菜单 button (styles.css, max-width 720px); it folds again on every page change.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [loc.path]);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        跳到主要内容
      </a>
      <header class="topbar">
        <div class="brand">
          速办 <small>12345 热线工作台</small>
        </div>
        <button type="button" class="menu-toggle btn-link" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>
          {menuOpen ? '收起菜单' : '菜单'}
        </button>
        <nav id="main-nav" aria-label="主导航" class={menuOpen ? 'open' : undefined}>
          <ul>
            {NAV.filter((n) => n.roles.includes(user.role)).map((n) => (
              <li key={n.path}>
                <a href={n.path} aria-current={loc.path === n.path || loc.path.startsWith(`${n.path}/`) ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class={`live-dot ${online ? 'on' : ''}`} role="status" aria-label={online ? '实时连接正常' : '实时连接中断，正在重连'} title={online ? '实时连接正常' : '实时连接中断，正在重连'} />
          <span class="who-name">
            {user.name} · {roleLabel(user.role)}
            {user.unit ? ` · ${user.unit}` : ''}
          </span>
          <button type="button" class="btn-link" onClick={() => void logout()}>
            退出
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Alerts user={user} />
        {children}
      </main>
    </div>
  );
}
