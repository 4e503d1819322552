import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { Layout, NAV } from './components/Layout.js';
import { Empty, Loading } from './components/ui.js';
import { startLive, stopLive } from './live.js';
import { AdminPage } from './pages/Admin.js';
import { AccountPage } from './pages/Account.js';
import { AccountabilityPage } from './pages/Accountability.js';
import { BoardPage } from './pages/Board.js';
import { DeskPage } from './pages/Desk.js';
import { DutyPage } from './pages/Duty.js';
import { DutyEditPage } from './pages/DutyEdit.js';
import { InboxPage } from './pages/Inbox.js';
import { LoginPage } from './pages/Login.js';
import { TicketDetailPage } from './pages/TicketDetail.js';
import { TicketsPage } from './pages/Tickets.js';
import { GridPage } from './pages/Grid.js';
import { MediaPage } from './pages/Media.js';
import { MayorDayPage } from './pages/MayorDay.js';
import { KnowledgePage } from './pages/Knowledge.js';
import { NotFound } from './components/NotFound.js';
import { match, navigate, useLocation } from './router.js';
import { homeOf, restore, session } from './session.js';
import { useStore } from './store.js';
import type { User } from './types.js';

const OFFICE = new Set(['operator', 'supervisor', 'admin']);

function Routes({ user }: { user: User }) {
  const { path } = useLocation();
  const detail = match('/tickets/:id', path);
  if (detail) return <TicketDetailPage id={detail.id!} user={user} />;
  if (path.replace(/\/+$/, '') === '/duty/edit') return <DutyEditPage user={user} />;
  if (path.replace(/\/+$/, '') === '/board/accountability') return user.role === 'supervisor' || user.role === 'admin' ? <AccountabilityPage /> : <div class="alert alert-error" role="alert">无权查看此页面。</div>;
  const nav = NAV.find((n) => n.path === path.replace(/\/+$/, ''));
  if (!nav) return <NotFound path={path} user={user} />;
  if (!nav.roles.includes(user.role)) return <div class="alert alert-error" role="alert">无权查看此页面。</div>;
  switch (nav.path) {
    case '/desk':
      return <DeskPage user={user} />;
    case '/inbox':
      return <InboxPage user={user} />;
    case '/tickets':
      return <TicketsPage user={user} />;
    case '/duty':
      return <DutyPage user={user} />;
    case '/board':
      return <BoardPage user={user} />;
    case '/admin':
      return <AdminPage user={user} />;
    case '/account':
      return <AccountPage />;
    case '/grid':
      return <GridPage user={user} />;
    case '/media':
      return <MediaPage />;
    case '/mayor-day':
      return <MayorDayPage />;
    case '/knowledge':
      return <KnowledgePage user={user} />;
  }
  return null;
}

function App() {
  const user = useStore(session);
  const { path } = useLocation();
  useEffect(() => {
    void restore();
  }, []);
  useEffect(() => {
    if (!user) {
      stopLive();
      return;
    }
    startLive(OFFICE.has(user.role));
  }, [user?.id]);
  useEffect(() => {
    if (user === null && path !== '/login') navigate(`/login${path !== '/' ? `?next=${encodeURIComponent(path)}` : ''}`, true);
    if (user && (path === '/login' || path === '/')) navigate(homeOf(user), true);
  }, [user, path]);
  useEffect(() => {
    const nav = NAV.find((n) => path.startsWith(n.path));
    document.title = `${path === '/login' ? '登录' : (nav?.label ?? '速办')} · 速办 12345`;
  }, [path]);
  if (user === undefined) return <Loading />;
  if (user === null) return path === '/login' ? <LoginPage /> : <Loading />;
  return (
    <Layout user={user}>
      <Routes user={user} />
    </Layout>
  );
}

const root = document.getElementById('app')!;
// the static "正在加载…" placeholder goes; preact renders into an empty container
root.replaceChildren();
render(<App />, root);
