/**
 * 网格员 pages, made for a phone (390 px wide): 上报 (a matter found on patrol, with photos and the
 * phone's position or a typed place) and 我的任务 (tickets handed to them: report back; results to
 * confirm on the spot before the 回访). The grid worker sees only their own reports and tasks.
 */
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api.js';
import { ErrorBox, Loading, StateBadge, UrgentBadge } from '../components/ui.js';

import { useApi } from '../useApi.js';
import type { Attachment, TicketView, User } from '../types.js';
import { shrink } from '../photos.js';
import { Time } from '../components/Time.js';

export const GRID_STATUS: Record<string, string> = {
  reported: '我上报的',
  assigned: '待核查处置',
  checked: '已反馈',
  confirming: '待现场确认',
  confirmed: '已确认办结',
  rejected: '已退回单位',
  lapsed: '确认超时',
};

// randomUUID exists only in secure contexts (https, localhost); the console also runs over plain HTTP on an intranet name.
const newKey = () => (typeof globalThis.crypto?.randomUUID === 'function' && window.isSecureContext ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

export function PhotoPicker({ value, onChange, label = '照片' }: { value: Attachment[]; onChange: (v: Attachment[]) => void; label?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const pick = async (files: FileList | null) => {
    if (!files?.length) return;
    setBusy(true);
    setError(null);
    const added: Attachment[] = [];
    try {
      for (const f of Array.from(files).slice(0, 9 - value.length)) {
        const { url } = await post<{ url: string }>('/api/v1/grid/photos', { data: await shrink(f) });
        added.push({ kind: 'image', url });
      }
    } catch (e) {
      setError(e);
    } finally {
      onChange([...value, ...added]);
      setBusy(false);
    }
  };
  return (
    <div class="grid-photos">
      <label class="btn grid-photo-btn">
        {busy ? '正在上传…' : `＋ ${label}（拍照或相册）`}
        <input type="file" accept="image/*" capture="environment" multiple class="sr-only" data-testid="photo-input" disabled={busy || value.length >= 9} onChange={(e) => void pick(e.currentTarget.files)} />
      </label>
      {value.length ? (
        <ul class="grid-thumbs" aria-label="已选照片">
          {value.map((a, i) => (
            <li key={a.url}>
              <img src={a.url} alt={`照片 ${i + 1}`} />
              <button type="button" class="btn btn-small" aria-label={`删除照片 ${i + 1}`} onClick={() => onChange(value.filter((x) => x !== a))}>
                删除
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}

type Geo = { state: 'asking' } | { state: 'ok'; lat: number; lng: number; accuracy: number } | { state: 'none'; why: string };

function ReportForm({ onDone }: { onDone: (t: TicketView) => void }) {
  const [content, setContent] = useState('');
  const [place, setPlace] = useState('');
  const [urgent, setUrgent] = useState(false);
  const [photos, setPhotos] = useState<Attachment[]>([]);
  const [geo, setGeo] = useState<Geo>({ state: 'asking' });
  const [key, setKey] = useState(newKey);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const locate = () => {
    if (!navigator.geolocation) return setGeo({ state: 'none', why: '此设备不支持定位' });
    setGeo({ state: 'asking' });
    navigator.geolocation.getCurrentPosition(
      (p) => setGeo({ state: 'ok', lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy }),
      (e) => setGeo({ state: 'none', why: e.code === 1 ? '未允许定位' : '暂时无法定位' }),
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 60_000 },
    );
  };
  useEffect(locate, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setSending(true);
    setError(null);
    try {
      const r = await post<{ ticket: TicketView }>('/api/v1/grid/reports', {
        content,
        ...(place.trim() ? { place: place.trim() } : {}),
        ...(geo.state === 'ok' ? { location: { lat: geo.lat, lng: geo.lng, accuracy: geo.accuracy } } : {}),
        attachments: photos,
        urgent,
        idempotencyKey: key,
      });
      setContent('');
      setPlace('');
      setPhotos([]);
      setUrgent(false);
      setKey(newKey());
      onDone(r.ticket);
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };
  return (
    <form class="grid-form" onSubmit={submit} aria-label="发现上报">
      <label>
        发现的问题
        <textarea required rows={4} maxLength={4000} placeholder="如：红都大道88号门前井盖缺失" value={content} onInput={(e) => setContent(e.currentTarget.value)} />
      </label>
      <div class="grid-geo" role="status" data-testid="geo-status">
        {geo.state === 'asking' ? '正在定位…' : geo.state === 'ok' ? `已定位 ${geo.lat.toFixed(5)}, ${geo.lng.toFixed(5)}（约 ${Math.round(geo.accuracy)} 米）` : `${geo.why}，请填写地点`}
        {geo.state !== 'asking' ? (
          <button type="button" class="btn btn-small" onClick={locate}>
            重新定位
          </button>
        ) : null}
      </div>
      <label>
        地点{geo.state === 'ok' ? '（可补充）' : ''}
        <input type="text" maxLength={200} required={geo.state !== 'ok'} placeholder="村/小区/路名" value={place} onInput={(e) => setPlace(e.currentTarget.value)} />
      </label>
      <PhotoPicker value={photos} onChange={setPhotos} />
      <label class="check">
        <input type="checkbox" checked={urgent} onChange={(e) => setUrgent(e.currentTarget.checked)} /> 紧急（危及安全，需立即处置）
      </label>
      <button type="submit" class="btn btn-primary grid-submit" disabled={sending}>
        {sending ? '正在上报…' : '上报'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function TaskCard({ t, user, onChanged }: { t: TicketView; user: User; onChanged: () => void }) {
  const [mode, setMode] = useState<'none' | 'report' | 'reject'>('none');
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<Attachment[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const g = t.grid;
  const mine = g?.workerId === user.id;
  const send = async (path: string, body: unknown) => {
    setBusy(true);
    setError(null);
    try {
      await post(`/api/v1/grid/tickets/${t.id}/${path}`, body);
      setMode('none');
      setText('');
      setPhotos([]);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const canReport = mine && ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'].includes(t.state) && g?.status !== 'confirming';
  return (
    <li class="grid-card" data-testid="grid-task">
      <div class="grid-card-head">
        <a href={`/tickets/${t.id}`}>{t.number}</a> <StateBadge state={t.state} label={t.stateLabel} /> {t.urgent ? <UrgentBadge /> : null}
        <span class={`badge ${g?.status === 'confirming' || g?.status === 'assigned' ? 'badge-warn' : 'badge-muted'}`}>{GRID_STATUS[g?.status ?? ''] ?? ''}</span>
      </div>
      <p class="grid-content">{t.content}</p>
      <p class="muted">
        {t.place ?? '—'} · {t.unit ?? '待派单'} · <Time iso={t.createdAt} />
      </p>
      {g?.status === 'confirming' && t.lastReply ? (
        <p class="grid-reply">
          <strong>单位办理结果：</strong>
          {t.lastReply}
        </p>
      ) : null}
      {mine && g?.status === 'confirming' && mode === 'none' ? (
        <div class="grid-actions">
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void send('confirm', { ok: true, attachments: photos })}>
            现场确认已办好
          </button>
          <button type="button" class="btn" onClick={() => setMode('reject')}>
            未办好，退回单位
          </button>
        </div>
      ) : null}
      {canReport && mode === 'none' ? (
        <div class="grid-actions">
          <button type="button" class="btn btn-primary" onClick={() => setMode('report')}>
            反馈现场情况
          </button>
        </div>
      ) : null}
      {mode !== 'none' ? (
        <form
          class="grid-form"
          onSubmit={(e) => {
            e.preventDefault();
            void (mode === 'report' ? send('report', { text, attachments: photos }) : send('confirm', { ok: false, note: text, attachments: photos }));
          }}
        >
          <label>
            {mode === 'report' ? '现场核查/处置情况' : '现场情况（为何未办好）'}
            <textarea required rows={3} maxLength={4000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
          <PhotoPicker value={photos} onChange={setPhotos} label="现场照片" />
          <div class="grid-actions">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {mode === 'report' ? '提交反馈' : '退回单位'}
            </button>
            <button type="button" class="btn" onClick={() => setMode('none')}>
              取消
            </button>
          </div>
        </form>
      ) : null}
      <ErrorBox error={error} />
    </li>
  );
}

export function GridPage({ user }: { user: User }) {
  const [tab, setTab] = useState<'report' | 'tasks'>(new URLSearchParams(window.location.search).get('tab') === 'tasks' ? 'tasks' : 'report');
  const [done, setDone] = useState<TicketView | null>(null);
  const me = useApi<{ worker: { name: string; township: string | null; gridArea: string | null } }>('/api/v1/grid/me');
  const tasks = useApi<{ items: TicketView[] }>('/api/v1/grid/tasks');
  const todo = (tasks.data?.items ?? []).filter((t) => t.grid?.workerId === user.id && (t.grid.status === 'assigned' || t.grid.status === 'confirming')).length;
  return (
    <div class="grid-page">
      <p class="muted grid-who">{me.data ? `${me.data.worker.township ?? ''} · ${me.data.worker.gridArea ?? ''}` : ' '}</p>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'report'} onClick={() => setTab('report')}>
          发现上报
        </button>
        <button type="button" role="tab" aria-selected={tab === 'tasks'} onClick={() => setTab('tasks')}>
          我的任务{todo ? <span class="badge badge-warn">{todo}</span> : null}
        </button>
      </div>
      {tab === 'report' ? (
        <>
          {done ? (
            <div class="alert alert-ok" role="status" data-testid="grid-reported">
              已上报，工单号 {done.number}
              {done.unit ? `，已派 ${done.unit}` : '，等待派单'}
            </div>
          ) : null}
          <ReportForm
            onDone={(t) => {
              setDone(t);
              tasks.reload();
            }}
          />
        </>
      ) : tasks.loading && !tasks.data ? (
        <Loading />
      ) : (
        <>
          <ErrorBox error={tasks.error} />
          {tasks.data?.items.length ? (
            <ul class="grid-list">
              {tasks.data.items.map((t) => (
                <TaskCard key={`${t.id}:${t.version}`} t={t} user={user} onChanged={tasks.reload} />
              ))}
            </ul>
          ) : (
            <p class="muted">暂无任务。</p>
          )}
        </>
      )}
    </div>
  );
}
