/**
 * 值班与呼叫: who is on duty now and next for each unit with a roster (with cover warnings),
 * and every running page live — who is being called, step, attempts — with 确认接单 for the
 * unit and the office, 升级/取消 for the office. Reads src/web/routes/api/duty.ts.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, qs } from '../api.js';
import { Empty, ErrorBox, Loading, Section, UrgentBadge } from '../components/ui.js';
import { UnitContactsSection } from '../components/UnitContacts.js';
import { has } from '../features.js';

import { useLive } from '../live.js';
import type { User } from '../types.js';
import { DUTY_EDITORS } from './DutyEdit.js';
import { Time } from '../components/Time.js';

interface Member {
  id: string;
  name: string;
  phone: string | null;
}
interface OnDuty {
  member: Member;
  source: string;
  reason?: string;
}
interface Segment {
  start: string;
  end: string;
  duty: OnDuty | null;
}
interface CoverRow {
  unit: string;
  now: OnDuty | null;
  until: string | null;
  next: Segment | null;
  reachable: boolean;
  warnings: string[];
}
interface Attempt {
  step: number;
  attempt: number;
  target: string;
  targetName: string | null;
  channel: string;
  to: string | null;
  status: string;
  outcome: string | null;
  result: string | null;
  at: string;
}
interface PageRow {
  id: string;
  ticketId: string;
  ticketNumber: string;
  unit: string | null;
  reason: string;
  status: string;
  step: number;
  attempt: number;
  steps: number;
  attempts: number;
  next: { step: number; attempt: number; at: string } | null;
  startedAt: string;
  ack: { at: string; by: string; via: string } | null;
  current: Attempt | null;
}

const REASONS: Record<string, string> = { urgent: '即办', sign_overdue: '超时未签收', manual: '人工呼叫', unassigned: '即办待派单' };
const CHANNELS: Record<string, string> = { call: '电话', sms: '短信', wechat: '微信' };
const TARGETS: Record<string, string> = { duty: '值班人员', person: '指定人员', unit_head: '单位负责人', hotline_duty: '热线办值班室', city_duty: '市政府值班室' };
const ATTEMPT: Record<string, string> = { sending: '呼叫中', sent: '已发出', failed: '失败', unreachable: '未接通' };
const SOURCES: Record<string, string> = { override: '临时调班', rotation: '轮值', substitute: '顶班' };

async function loadCover(): Promise<CoverRow[]> {
  const r = await get<{ at: string; items: { unit: string; onDuty: OnDuty | null; reachable: boolean }[] }>('/api/v1/duty/on-duty');
  const withSchedule = await has('schedule');
  const to = new Date(Date.parse(r.at) + 7 * 86400_000).toISOString();
  return Promise.all(
    r.items.map(async (i): Promise<CoverRow> => {
      if (!withSchedule || !i.onDuty) return { unit: i.unit, now: i.onDuty, until: null, next: null, reachable: i.reachable, warnings: [] };
      const s = await get<{ segments: Segment[]; warnings: { message: string }[] }>(`/api/v1/duty/rosters/${encodeURIComponent(i.unit)}/schedule${qs({ from: r.at, to })}`);
      const first = s.segments[0];
      const next = s.segments.slice(1).find((x) => x.duty?.member.id !== i.onDuty?.member.id) ?? null;
      return { unit: i.unit, now: i.onDuty, until: first?.end ?? null, next, reachable: i.reachable, warnings: [...new Set(s.warnings.map((w) => w.message))].slice(0, 3) };
    }),
  );
}

export function DutyPage({ user }: { user: User }) {
  const [cover, setCover] = useState<CoverRow[] | null>(null);
  const [coverMissing, setCoverMissing] = useState(false);
  const [pages, setPages] = useState<PageRow[] | null>(null);
  const [pagesMissing, setPagesMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const office = user.role !== 'unit';

  const reloadCover = async () => {
    if (!(await has('onDuty'))) return setCoverMissing(true);
    loadCover().then(setCover, setError);
  };
  const reloadPages = async () => {
    if (!(await has('pages'))) return setPagesMissing(true);
    get<{ items: PageRow[] }>('/api/v1/duty/pages?status=running').then((r) => setPages(r.items), setError);
  };
  useEffect(() => {
    void reloadCover();
    void reloadPages();
  }, []);
  useLive('page', () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void reloadPages(), 150);
  });
  useLive('duty', () => void reloadCover());

  const act = async (p: PageRow, what: 'ack' | 'cancel' | 'escalate') => {
    try {
      const r = await post<{ status?: string; by?: string }>(`/api/v1/duty/pages/${p.id}/${what}`);
      // 接手 of a ticket nobody dispatched yet: the officer owns it and must dispatch it in time (督办 otherwise).
      const acked = !office ? `已确认接单 ${p.ticketNumber}` : p.unit ? `已接手 ${p.ticketNumber}，呼叫已停止；${p.unit}尚未签收` : `已接手 ${p.ticketNumber}，呼叫已停止；请在时限内派单（即办 30 分钟），超时将督办`;
      setNotice(what === 'ack' ? (r.status === 'already' ? `已由 ${r.by} 确认` : acked) : what === 'cancel' ? `已取消呼叫 ${p.ticketNumber}` : `已升级到下一步 ${p.ticketNumber}`);
      void reloadPages();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div>
      <h1 class="page-title">值班与呼叫</h1>
      {DUTY_EDITORS.includes(user.role) ? (
        <p>
          <a class="btn" href="/duty/edit">
            值班设置（值班表、升级链、联系人）
          </a>
        </p>
      ) : null}
      <ErrorBox error={error} />
      <div class={notice ? 'alert alert-ok' : 'sr-only'} role="status" aria-live="polite">
        {notice}
      </div>
      <Section title={`正在进行的呼叫${pages ? `（${pages.length}）` : ''}`}>
        {pagesMissing ? (
          <Empty missing>本版本没有呼叫接口（/api/v1/duty/pages）。</Empty>
        ) : !pages ? (
          <Loading />
        ) : pages.length === 0 ? (
          <Empty>当前没有进行中的呼叫。</Empty>
        ) : (
          <table class="grid pages-table" aria-live="polite">
            <caption class="sr-only">进行中的呼叫</caption>
            <thead>
              <tr>
                <th scope="col">工单</th>
                <th scope="col">原因</th>
                <th scope="col">单位</th>
                <th scope="col">正在呼叫</th>
                <th scope="col">步骤 / 次数</th>
                <th scope="col">下一次</th>
                <th scope="col">操作</th>
              </tr>
            </thead>
            <tbody>
              {pages.map((p) => {
                const c = p.current;
                return (
                  <tr key={p.id} data-page={p.id}>
                    <td>
                      <a href={`/tickets/${p.ticketId}`}>{p.ticketNumber}</a> {p.reason === 'urgent' || p.reason === 'unassigned' ? <UrgentBadge /> : null}
                    </td>
                    <td data-label="原因">{REASONS[p.reason] ?? p.reason}</td>
                    <td data-label="单位">{p.unit ?? '热线办'}</td>
                    <td data-label="正在呼叫">
                      {c ? (
                        <>
                          {c.targetName ?? TARGETS[c.target] ?? c.target} · {CHANNELS[c.channel] ?? c.channel} {c.to ?? ''}
                          <div class="muted">
                            <Time iso={c.at} /> {c.outcome ?? ATTEMPT[c.status] ?? c.status}
                          </div>
                        </>
                      ) : (
                        '准备呼叫'
                      )}
                    </td>
                    <td data-label="步骤">
                      第 {p.step || 1} / {p.steps} 步 · 共 {p.attempts} 次
                    </td>
                    <td data-label="下一次">{p.next ? <Time iso={p.next.at} /> : '—'}</td>
                    <td class="row-actions">
                      {/* Office staff stop the calls and take the matter on; only the unit's own users sign for it. */}
                      <button
                        type="button"
                        class="btn btn-small btn-primary"
                        onClick={() => void act(p, 'ack')}
                        aria-label={`${office ? '接手' : '确认接单'} ${p.ticketNumber}`}
                        title={office ? (p.unit ? '停止呼叫，由热线办接手；承办单位仍需签收' : '停止呼叫，由你接手：须在时限内派单（即办 30 分钟），超时督办') : undefined}
                      >
                        {office ? '接手' : '确认接单'}
                      </button>
                      {office ? (
                        <>
                          <button type="button" class="btn btn-small" onClick={() => void act(p, 'escalate')} aria-label={`升级 ${p.ticketNumber}`}>
                            升级
                          </button>
                          <button type="button" class="btn btn-small" onClick={() => void act(p, 'cancel')} aria-label={`取消呼叫 ${p.ticketNumber}`}>
                            取消
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="值班表（当前与下一班）">
        {coverMissing ? (
          <Empty missing>本版本没有值班接口（/api/v1/duty/on-duty）。</Empty>
        ) : !cover ? (
          <Loading />
        ) : cover.length === 0 ? (
          <Empty>还没有单位配置值班表。</Empty>
        ) : (
          <table class="grid">
            <caption class="sr-only">各单位值班</caption>
            <thead>
              <tr>
                <th scope="col">单位</th>
                <th scope="col">当前值班</th>
                <th scope="col">下一班</th>
                <th scope="col">提醒</th>
              </tr>
            </thead>
            <tbody>
              {cover.map((d) => (
                <tr key={d.unit}>
                  <td>{d.unit}</td>
                  <td>
                    {d.now ? (
                      <>
                        {d.now.member.name} <span class="muted">{d.now.member.phone ?? '无电话'}</span> <span class="badge badge-muted">{SOURCES[d.now.source] ?? d.now.source}</span>
                        {d.until ? <div class="muted">至 <Time iso={d.until} /></div> : null}
                      </>
                    ) : (
                      <span class="due-over">无人值班</span>
                    )}
                    {d.now && !d.reachable ? <span class="badge badge-danger">无法联系</span> : null}
                  </td>
                  <td>{d.next ? <>{d.next.duty?.member.name ?? '无人值班'}（<Time iso={d.next.start} /> 起）</> : '—'}</td>
                  <td>{d.warnings.length ? <span class="due-soon">{d.warnings.join('；')}</span> : <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <UnitContactsSection user={user} />
    </div>
  );
}
