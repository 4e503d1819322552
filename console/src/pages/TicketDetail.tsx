import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post } from '../api.js';
import { actionsFor, type ActionSpec } from '../actions.js';
import { ActionDialog } from '../components/ActionDialog.js';
import { PhotoThumbs } from '../components/ReplyPhotos.js';
import { GridActions } from '../components/GridActions.js';
import { AssistPanel } from '../components/AssistPanel.js';
import { Deadline, ErrorBox, Loading, Section, StateBadge, UrgentBadge, When } from '../components/ui.js';
import { channelLabel, roleLabel, placeLabel, viaLabel } from '../format.js';
import { Time } from '../components/Time.js';
import { useLive } from '../live.js';
import { mayAct } from '../../../src/domain/policy.js';
import type { Attachment, TicketChange, TicketEventView, TicketView, User } from '../types.js';

interface Loaded {
  ticket: TicketView;
  allowed: string[];
  events: TicketEventView[];
}

export function TicketDetailPage({ id, user }: { id: string; user: User }) {
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [denied, setDenied] = useState(false);
  const [dialog, setDialog] = useState<ActionSpec | null>(null);
  const [contact, setContact] = useState<string | null>(null);
  const [assistWarning, setAssistWarning] = useState<string | null>(null);

  const load = async () => {
    try {
      const [t, ev] = await Promise.all([get<{ ticket: TicketView; allowed: string[] }>(`/api/v1/tickets/${id}`), get<{ events: TicketEventView[] }>(`/api/v1/tickets/${id}/events`)]);
      setData({ ticket: t.ticket, allowed: t.allowed, events: ev.events });
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) setDenied(true);
      else setError(e);
    }
  };
  useEffect(() => {
    setData(null);
    setDenied(false);
    setContact(null);
    void load();
  }, [id]);
  useLive('ticket', (c: TicketChange) => {
    if (c.id === id) void load();
  });
  useLive('resync', () => void load());

  if (denied)
    return (
      <div class="alert alert-error" role="alert" data-testid="ticket-denied">
        无权查看或工单不存在。<a href="/tickets">返回工单列表</a>
      </div>
    );
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const t = data.ticket;
  const actions = actionsFor(user, t, data.allowed);
  const canReveal = t.contactMasked && mayAct(user, 'reveal_contact', { unit: t.unit });

  const reveal = async () => {
    try {
      const r = await post<{ contact: string | null }>(`/api/v1/tickets/${t.id}/reveal-contact`);
      setContact(r.contact);
      void load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div class="detail">
      <p class="print-only print-title">瑞金市 12345 政务服务便民热线 · 工单处理单</p>
      <header class="page-head">
        <h1>
          工单 {t.number} <StateBadge state={t.state} label={t.stateLabel} /> {t.urgent ? <UrgentBadge /> : null}
          {t.overdue ? <span class="badge badge-danger">已超期</span> : null}
          {t.supervision !== 'none' ? <span class="badge badge-danger">{t.supervision}</span> : null}
        </h1>
        <div class="actions" role="toolbar" aria-label="工单操作">
          <button type="button" class="btn" onClick={() => window.print()} title="打印工单处理单（含办理过程）">
            打印处理单
          </button>
          {actions.length === 0 ? <span class="muted">当前没有可执行的操作</span> : null}
          {actions.map((a) => (
            <button key={a.event} type="button" class={`btn${a.primary ? ' btn-primary' : ''}`} onClick={() => setDialog(a)}>
              {a.label}
            </button>
          ))}
        </div>
      </header>
      <GridActions ticket={t} user={user} onDone={() => void load()} />
      {assistWarning && t.state === 'handling' ? (
        <div class="alert alert-warn" role="status" data-testid="assist-warning">
          {assistWarning}
        </div>
      ) : null}
      <AssistPanel ticket={t} user={user} onDone={() => void load()} onWarning={setAssistWarning} />
      <div class="detail-grid">
        <Section title="诉求">
          <p class="content">{t.content}</p>
          <dl class="facts">
            <dt>来电人</dt>
            <dd>
              <span data-testid="contact">{contact ?? t.contact ?? '—'}</span> {t.contactName ? `（${t.contactName}）` : ''}
              {canReveal && !contact ? (
                <button type="button" class="btn btn-small" onClick={reveal} title="查看完整号码（将记录在工单中）">
                  查看完整号码
                </button>
              ) : null}
            </dd>
            <dt>渠道</dt>
            <dd>{channelLabel(t.channel)}</dd>
            <dt>类别</dt>
            <dd>{t.category}</dd>
            <dt>承办单位</dt>
            <dd>{t.unit ?? '待派单'}</dd>
            {t.owner && (t.state === 'accepted' || t.state === 'returned') ? (
              <>
                {/* 接手: the officer owns it until it is dispatched; 督办 to them when the time passes. */}
                <dt>接手人</dt>
                <dd>
                  {t.owner.name}，须于 <Time iso={t.ownerDeadline} absolute /> 前派单（<Deadline at={t.ownerDeadline ?? null} />）
                </dd>
              </>
            ) : null}
            <dt>乡镇 / 地点</dt>
            <dd>
              {placeLabel(t.township, t.place) || '—'}
            </dd>
            <dt>受理时间</dt>
            <dd>
              <Time iso={t.createdAt} />
            </dd>
            <dt>签收时限</dt>
            <dd>
              <Deadline at={t.signDeadline} done={t.state !== 'dispatched'} />
            </dd>
            <dt>办结时限</dt>
            <dd>
              <Deadline at={t.replyDeadline} done={!['dispatched', 'handling', 'returned'].includes(t.state)} />
              {t.pendingExtensionDays ? <span class="badge badge-warn">延期申请 {t.pendingExtensionDays} 个工作日待审批</span> : null}
            </dd>
            {t.lastReply ? (
              <>
                <dt>办理结果</dt>
                <dd>{t.lastReply}</dd>
              </>
            ) : null}
            {t.followUp ? (
              <>
                <dt>回访</dt>
                <dd>
                  {t.followUp.satisfaction}
                  {t.followUp.solved === undefined ? '' : t.followUp.solved ? ' · 已解决' : ' · 未解决'}
                  {t.followUp.reason ? ` · ${t.followUp.reason}` : ''}
                </dd>
              </>
            ) : null}
            {t.noCallback ? (
              <>
                <dt>回访</dt>
                <dd>群众不愿接受回访</dd>
              </>
            ) : null}
            {t.mergedInto ? (
              <>
                <dt>已并入</dt>
                <dd>
                  <a href={`/tickets/${t.mergedInto}`}>查看主工单</a>
                </dd>
              </>
            ) : null}
          </dl>
        </Section>
        <Section title={`附件（${t.attachments.length}）`}>
          {t.attachments.length === 0 ? <p class="muted">无附件</p> : <Attachments items={t.attachments} />}
        </Section>
        <Section title="办理过程" class="span-2">
          <ol class="timeline">
            {data.events.map((e) => (
              <li key={e.seq} class={`ev ev-${e.type}`}>
                <When at={e.at} />
                <strong>{e.label}</strong>
                <span class="muted">
                  {actorText(e.actorName ?? e.actorId, e.actorRole)} · {viaLabel(e.via)}
                </span>
                <EventDetail e={e} />
                <PhotoThumbs items={(e.data as { attachments?: Attachment[] } | null)?.attachments ?? []} />
              </li>
            ))}
          </ol>
        </Section>
      </div>
      {dialog ? (
        <ActionDialog
          spec={dialog}
          ticket={t}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            void load();
          }}
        />
      ) : null}
    </div>
  );
}

const sameOrigin = (url: string) => url.startsWith('/') && !url.startsWith('//');

function Attachments({ items }: { items: Attachment[] }) {
  return (
    <ul class="attachments">
      {items.map((a, i) => (
        <li key={i}>
          <span class="badge badge-muted">{{ recording: '录音', voicemail: '留言', image: '图片', voice: '语音', file: '文件' }[a.kind]}</span> {a.note ?? ''}
          {(a.kind === 'recording' || a.kind === 'voicemail' || a.kind === 'voice') && sameOrigin(a.url) ? (
            <audio controls preload="none" src={a.url} aria-label={a.note ?? '录音'} />
          ) : a.kind === 'image' && sameOrigin(a.url) ? (
            <img src={a.url} alt={a.note ?? '附件图片'} loading="lazy" />
          ) : a.url.startsWith('geo:') ? (
            <span class="muted"> 位置 {a.url.slice(4)}</span>
          ) : (
            <a href={a.url} target="_blank" rel="noopener noreferrer">
              打开
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The facts of an event worth reading, in words. */
function EventDetail({ e }: { e: TicketEventView }) {
  const d = e.data as Record<string, any>;
  const parts: ComponentChildren[] = [];
  switch (e.type) {
    case 'created':
      parts.push(`${d.category}${d.urgent ? ' · 即办' : ''}`);
      if (d.contact) parts.push(`来电 ${d.contact}`);
      break;
    case 'dispatched':
      parts.push(`派至 ${d.unit}`);
      if (d.note) parts.push(d.note);
      break;
    case 'returned':
      parts.push(d.reason ?? '');
      break;
    case 'reopened':
      // 重办: a new round, with its own deadlines (or back to the operator when the unit was wrong).
      parts.push(d.reason ?? '');
      if (d.toOperator) parts.push('退回话务员重新派单');
      else if (d.signDeadline) parts.push(
          <>
            重新计时：签收 <Time iso={d.signDeadline} absolute />，办结 <Time iso={d.replyDeadline} absolute />
          </>,
        );
      break;
    case 'taken_over':
      parts.push(
        <>
          {d.by} 接手，须于 <Time iso={d.deadline} absolute /> 前派单
        </>,
      );
      break;
    case 'extension_requested':
      parts.push(`申请延期 ${d.days} 个工作日：${d.reason}`);
      break;
    case 'extension_decided':
    case 'review_decided':
      parts.push(d.approved ? '同意' : '不同意');
      if (d.note) parts.push(d.note);
      break;
    case 'replied':
      parts.push(d.reply ?? '');
      break;
    case 'followed_up':
      parts.push(`${d.satisfaction ?? d.result?.satisfaction ?? ''}`);
      break;
    case 'supervised':
      parts.push(`${d.level}${d.note ? `：${d.note}` : ''}`);
      break;
    case 'merged':
      parts.push(`并入 ${d.intoNumber ?? d.into}`);
      break;
    case 'merge_received':
      parts.push(`并入 ${d.fromNumber ?? d.from}`);
      break;
    case 'note':
      parts.push(d.text ?? '');
      break;
    case 'answered':
      // 直接答复 from the knowledge base (issue 24).
      parts.push(`${d.by ?? ''}直接答复${d.sms ? '（已短信发送）' : ''}：${d.answer ?? ''}`);
      break;
    case 'urgency_checked':
      parts.push(d.urgent ? '确认为即办' : '不是即办，不呼叫值班人员');
      if (d.note) parts.push(d.note);
      break;
    case 'closed':
      if (d.note) parts.push(d.note);
      break;
    case 'grid_assigned':
      parts.push(`交网格员 ${d.workerName}（${d.township ?? ''}）${d.note ? `：${d.note}` : ''}`);
      break;
    case 'grid_reported':
      parts.push(`${d.text ?? ''}${d.attachments?.length ? `（照片 ${d.attachments.length} 张）` : ''}`);
      break;
    case 'grid_confirmed':
      parts.push(d.ok ? '现场确认已办好，转入回访' : `现场确认未办好，退回单位${d.note ? `：${d.note}` : ''}`);
      break;
    case 'grid_confirm_lapsed':
      parts.push('网格员未在时限内确认，回访照常进行');
      break;
    case 'mayor_day_decided':
      parts.push(`${d.date} 市长热线日：${d.decision ?? ''}${d.unit ? `（改由 ${d.unit} 承办）` : ''}`);
      break;
    case 'published':
      parts.push(`选登供市融媒体中心${d.headline ? `：${d.headline}` : ''}`);
      break;
    case 'unpublished':
      if (d.note) parts.push(d.note);
      break;
    case 'assist_added':
      parts.push(
        <>
          协办 {d.unit}，签收 <Time iso={d.signDeadline} absolute />，答复 <Time iso={d.replyDeadline} absolute />
        </>,
      );
      if (d.note) parts.push(d.note);
      break;
    case 'assist_removed':
    case 'assist_signed':
      parts.push(`${d.unit}${d.reason ? `：${d.reason}` : ''}`);
      break;
    case 'assist_replied':
      parts.push(`${d.unit}：${d.reply ?? ''}`);
      break;
    case 'assist_supervised':
      parts.push(`${d.unit} ${d.level}${d.note ? `：${d.note}` : ''}`);
      break;
    case 'linkage_started':
      parts.push(`${d.emergencyType}，联动 ${(d.units ?? []).join('、')}`);
      break;
    case 'onsite_dispatched':
      parts.push(
        <>
          {`${d.unit} 出动 ${d.count} 人${d.people?.length ? `（${d.people.join('、')}）` : ''}${d.equipment?.length ? `，装备 ${d.equipment.join('、')}` : ''}，`}
          <Time iso={d.sentAt} /> 出发
        </>,
      );
      break;
    case 'onsite_arrived':
      parts.push(
        <>
          {d.unit} <Time iso={d.arrivedAt} /> 到达现场（{d.via === 'sms' ? '短信' : d.via === 'call' ? '电话' : '系统'}）
        </>,
      );
      break;
  }
  const shown = parts.filter((x) => x !== '' && x !== null && x !== undefined && x !== false);
  if (!shown.length) return null;
  return (
    <div class="ev-detail">
      {shown.map((x, i) => (
        <Fragment key={i}>
          {i ? ' · ' : ''}
          {x}
        </Fragment>
      ))}
    </div>
  );
}

/** 「话务员小李（话务员）」, but 「系统」 rather than 「system（系统）」 and no role twice (「回访系统（系统）」 → 「回访系统」). */
function actorText(name: string, role: string): string {
  const r = roleLabel(role);
  if (name === role || name === r) return r;
  return name.endsWith(r) ? name : `${name}（${r}）`;
}
