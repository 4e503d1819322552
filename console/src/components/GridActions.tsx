/**
 * Ticket detail extras: 「交网格员」 for a township on its own open tickets and for the hotline office,
 * and 「媒体公开」 for the 热线办 (supervisors, admins) on closed tickets. Shows the grid task too.
 */
import { useEffect, useState } from 'preact/hooks';
import { units } from '../units.js';
import { get, post } from '../api.js';
import type { TicketView, User } from '../types.js';
import { ErrorBox } from './ui.js';
import { GRID_STATUS } from '../pages/Grid.js';

const OFFICE = ['operator', 'supervisor', 'admin'];
const ASSIGNABLE = ['accepted', 'dispatched', 'returned', 'handling'];

interface Worker {
  id: string;
  name: string;
  township: string | null;
  gridArea: string | null;
}

export function GridActions({ ticket: t, user, onDone }: { ticket: TicketView; user: User; onDone: () => void }) {
  const [open, setOpen] = useState<'none' | 'grid' | 'publish'>('none');
  const [workers, setWorkers] = useState<Worker[] | null>(null);
  const [workerId, setWorkerId] = useState('');
  const [note, setNote] = useState('');
  const [headline, setHeadline] = useState('');
  const [summary, setSummary] = useState('');
  const [error, setError] = useState<unknown>(null);
  // A township (a unit user whose unit is a 乡镇) hands its own tickets to its grid workers.
  const [township, setTownship] = useState(false);
  useEffect(() => {
    if (user.role !== 'unit' || !user.unit) return;
    units().then(
      (us) => setTownship(us.some((u) => u.name === user.unit && u.kind === 'township')),
      () => setTownship(false),
    );
  }, [user.unit]);
  const mayAssign = ASSIGNABLE.includes(t.state) && (OFFICE.includes(user.role) || (township && user.unit === t.unit));
  const mayPublish = t.state === 'closed' && (user.role === 'supervisor' || user.role === 'admin');
  const openGrid = async () => {
    setError(null);
    setOpen('grid');
    try {
      const town = user.role === 'unit' ? '' : `?township=${encodeURIComponent(t.township ?? '')}`;
      const r = await get<{ items: Worker[] }>(`/api/v1/grid/workers${t.township || user.role === 'unit' ? town : ''}`);
      setWorkers(r.items);
      setWorkerId(r.items[0]?.id ?? '');
    } catch (e) {
      setError(e);
    }
  };
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      setOpen('none');
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  if (!t.grid && !t.publication && !mayAssign && !mayPublish) return null;
  return (
    <div class="grid-extra" data-testid="grid-actions">
      {t.grid ? (
        <p>
          <span class="badge badge-info">网格员</span> {t.grid.workerName}（{t.grid.township ?? ''}）· {GRID_STATUS[t.grid.status] ?? t.grid.status}
        </p>
      ) : null}
      {t.publication ? (
        <p>
          <span class="badge badge-ok">已选登</span> {t.publication.headline ?? ''}
        </p>
      ) : null}
      <div class="actions">
        {mayAssign ? (
          <button type="button" class="btn" onClick={() => void openGrid()}>
            交网格员
          </button>
        ) : null}
        {mayPublish ? (
          <button type="button" class="btn" onClick={() => setOpen('publish')}>
            {t.publication ? '修改选登' : '媒体公开'}
          </button>
        ) : null}
        {mayPublish && t.publication ? (
          <button type="button" class="btn" onClick={() => void run(() => post(`/api/v1/media/tickets/${t.id}/unpublish`, {}))}>
            撤回公开
          </button>
        ) : null}
      </div>
      {open === 'grid' ? (
        <form
          class="inline-form"
          aria-label="交网格员"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => post(`/api/v1/grid/tickets/${t.id}/assign`, { workerId, ...(note.trim() ? { note } : {}) }));
          }}
        >
          {workers && workers.length === 0 ? <span class="muted">本乡镇暂无网格员</span> : null}
          <label>
            网格员
            <select required value={workerId} onChange={(e) => setWorkerId(e.currentTarget.value)}>
              {(workers ?? []).map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}（{w.township ?? ''} {w.gridArea ?? ''}）
                </option>
              ))}
            </select>
          </label>
          <label>
            交办说明
            <input type="text" maxLength={1000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <button type="submit" class="btn btn-primary" disabled={!workerId}>
            交办
          </button>
          <button type="button" class="btn" onClick={() => setOpen('none')}>
            取消
          </button>
        </form>
      ) : null}
      {open === 'publish' ? (
        <form
          class="inline-form"
          aria-label="媒体公开"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => post(`/api/v1/media/tickets/${t.id}/publish`, { ...(headline.trim() ? { headline } : {}), ...(summary.trim() ? { summary } : {}) }));
          }}
        >
          <label>
            标题
            <input type="text" maxLength={200} value={headline} onInput={(e) => setHeadline(e.currentTarget.value)} />
          </label>
          <label>
            摘要
            <input type="text" maxLength={2000} value={summary} onInput={(e) => setSummary(e.currentTarget.value)} />
          </label>
          <button type="submit" class="btn btn-primary">
            选登
          </button>
          <button type="button" class="btn" onClick={() => setOpen('none')}>
            取消
          </button>
        </form>
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}
