/**
 * 知识库: browse and search the policy knowledge base; a unit edits its own unit's entries and sends
 * them for review; the hotline office (supervisor, admin) reviews them (审核队列); each unit sees its
 * entries past their valid-to or not reviewed for 12 months (待复核). Samples of the demo are marked 示例.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, post, qs } from '../api.js';
import { Empty, ErrorBox, Loading, Section } from '../components/ui.js';

import { units } from '../units.js';
import { useApi } from '../useApi.js';
import type { Unit, User } from '../types.js';
import { Time } from '../components/Time.js';
import type { KnowledgeContent as Content } from '../../../src/domain/knowledge/entry.js';

interface Entry {
  id: string;
  unit: string | null;
  state: string;
  stateLabel: string;
  title: string;
  published: Content | null;
  draft: Content | null;
  sample: boolean;
  rejectReason: string | null;
  reviewedAt: string | null;
  updatedAt: string;
  version: number;
  stale: string[];
}
interface History {
  seq: number;
  at: string;
  actorName: string | null;
  actorId: string;
  action: string;
  note: string | null;
  content: Content | null;
}
interface Hit {
  entryId: string;
  title: string;
  answer: string;
  unit: string | null;
  confidence: number;
  matched: string[];
}

const ACTION_LABELS: Record<string, string> = { create: '新建', update: '修改', submit: '提交审核', approve: '审核通过', reject: '退回', withdraw: '停用', import: '导入' };
const STALE_LABELS: Record<string, string> = { expired: '已过失效日期', unreviewed: '超过12个月未复核' };
const isOffice = (u: User) => u.role === 'supervisor' || u.role === 'admin';
const mayEdit = (u: User, unit: string | null) => isOffice(u) || (u.role === 'unit' && !!u.unit && u.unit === unit);
const latest = (e: Entry) => e.draft ?? e.published;

function SampleBadge({ e }: { e: Entry }) {
  return e.sample ? <span class="badge" title="演示用的示例知识" data-testid="sample-badge">示例</span> : null;
}

function Editor({ user, entry, onSaved, onCancel }: { user: User; entry: Entry | null; onSaved: (e: Entry) => void; onCancel: () => void }) {
  const base = entry ? latest(entry) : null;
  const [title, setTitle] = useState(base?.title ?? '');
  const [variants, setVariants] = useState((base?.variants ?? []).join('\n'));
  const [answer, setAnswer] = useState(base?.answer ?? '');
  const [unit, setUnit] = useState(base?.unit ?? (user.role === 'unit' ? (user.unit ?? '') : ''));
  const [tags, setTags] = useState((base?.tags ?? []).join('，'));
  const [validFrom, setValidFrom] = useState(base?.validFrom ?? '');
  const [validTo, setValidTo] = useState(base?.validTo ?? '');
  const [source, setSource] = useState(base?.source ?? '');
  const [readable, setReadable] = useState(base?.readable ?? false);
  const [unitList, setUnitList] = useState<Unit[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (isOffice(user)) void units().then(setUnitList, () => undefined);
  }, []);
  const save = async (submit: boolean) => {
    setError(null);
    const body = {
      title,
      variants: variants.split('\n').map((v) => v.trim()).filter(Boolean),
      answer,
      unit: unit || null,
      tags: tags.split(/[,，、\s]+/).filter(Boolean),
      validFrom: validFrom || null,
      validTo: validTo || null,
      source: source || null,
      readable,
      submit,
    };
    try {
      const r = entry ? await api<{ entry: Entry }>('PUT', `/api/v1/knowledge/${entry.id}`, { ...body, version: entry.version }) : await post<{ entry: Entry }>('/api/v1/knowledge', body);
      onSaved(r.entry);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="form knowledge-editor" data-testid="knowledge-editor" onSubmit={(e) => e.preventDefault()}>
      <h3>{entry ? '修改知识（审核通过前仍使用已发布版本）' : '新建知识'}</h3>
      <label>
        标题
        <input name="title" value={title} maxLength={100} onInput={(e) => setTitle(e.currentTarget.value)} required />
      </label>
      <label>
        相似问法（每行一个）
        <textarea name="variants" rows={3} value={variants} onInput={(e) => setVariants(e.currentTarget.value)} />
      </label>
      <label>
        答复口径（纯文本，宜简短，可朗读或短信发送）
        <textarea name="answer" rows={5} value={answer} maxLength={2000} onInput={(e) => setAnswer(e.currentTarget.value)} required />
        <span class={`muted ${answer.length > 300 ? 'warn' : ''}`}>{answer.length} 字{answer.length > 300 ? '：较长，不宜电话朗读' : ''}</span>
      </label>
      <label>
        责任单位
        {isOffice(user) ? (
          <select name="unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
            <option value="">热线办</option>
            {unitList.map((u) => (
              <option key={u.name} value={u.name}>
                {u.name}
              </option>
            ))}
          </select>
        ) : (
          <input name="unit" value={unit} disabled />
        )}
      </label>
      <label>
        标签
        <input name="tags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
      </label>
      <div class="row">
        <label>
          生效日期
          <input type="date" name="validFrom" value={validFrom} onInput={(e) => setValidFrom(e.currentTarget.value)} />
        </label>
        <label>
          失效日期
          <input type="date" name="validTo" value={validTo} onInput={(e) => setValidTo(e.currentTarget.value)} />
        </label>
      </div>
      <label>
        政策依据
        <input name="source" value={source} onInput={(e) => setSource(e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" name="readable" checked={readable} onChange={(e) => setReadable(e.currentTarget.checked)} /> 电话语音可播报
      </label>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="button" class="btn" onClick={() => void save(false)}>
          保存草稿
        </button>
        <button type="button" class="btn btn-primary" onClick={() => void save(true)}>
          保存并提交审核
        </button>
        <button type="button" class="btn btn-ghost" onClick={onCancel}>
          取消
        </button>
      </div>
    </form>
  );
}

function Detail({ id, user, onChanged, onClose }: { id: string; user: User; onChanged: () => void; onClose: () => void }) {
  const { data, error, loading, reload } = useApi<{ entry: Entry; history: History[] }>(`/api/v1/knowledge/${id}`);
  const [editing, setEditing] = useState(false);
  const [reason, setReason] = useState('');
  const [actionError, setActionError] = useState<unknown>(null);
  if (loading && !data) return <Loading />;
  if (error) return <ErrorBox error={error} />;
  if (!data) return null;
  const e = data.entry;
  const act = async (path: string, body: unknown) => {
    setActionError(null);
    try {
      await post(`/api/v1/knowledge/${e.id}/${path}`, body);
      reload();
      onChanged();
    } catch (err) {
      setActionError(err);
    }
  };
  if (editing)
    return (
      <Editor
        user={user}
        entry={e}
        onCancel={() => setEditing(false)}
        onSaved={() => {
          setEditing(false);
          reload();
          onChanged();
        }}
      />
    );
  return (
    <div class="knowledge-detail" data-testid="knowledge-detail">
      <div class="actions">
        <button type="button" class="btn btn-ghost" onClick={onClose}>
          ← 返回
        </button>
      </div>
      <h3>
        {e.title} <SampleBadge e={e} /> <span class="badge" data-testid="entry-state">{e.stateLabel}</span>
      </h3>
      <p class="muted">
        {e.unit ?? '热线办'} · 更新于 <Time iso={e.updatedAt} />
        {e.reviewedAt ? <> · 审核于 <Time iso={e.reviewedAt} /></> : ''}
        {e.stale.length ? ` · ${e.stale.map((s) => STALE_LABELS[s] ?? s).join('、')}` : ''}
      </p>
      {e.rejectReason && e.state === 'rejected' ? <p class="alert alert-error">退回原因：{e.rejectReason}</p> : null}
      {e.published ? (
        <Section title="已发布（正在使用）">
          <p class="answer" data-testid="published-answer">{e.published.answer}</p>
          {e.published.variants.length ? <p class="muted">相似问法：{e.published.variants.join(' / ')}</p> : null}
        </Section>
      ) : null}
      {e.draft ? (
        <Section title={`待发布版本（${e.stateLabel}）`}>
          <p class="answer" data-testid="draft-answer">{e.draft.answer}</p>
        </Section>
      ) : null}
      <ErrorBox error={actionError} />
      <div class="actions">
        {mayEdit(user, e.unit) ? (
          <button type="button" class="btn" onClick={() => setEditing(true)}>
            修改
          </button>
        ) : null}
        {mayEdit(user, e.unit) && e.state !== 'pending' ? (
          <button type="button" class="btn" onClick={() => void act('submit', {})}>
            {e.draft ? '提交审核' : '申请复核'}
          </button>
        ) : null}
        {isOffice(user) && e.state === 'pending' ? (
          <>
            <button type="button" class="btn btn-primary" onClick={() => void act('approve', { version: e.version })}>
              审核通过
            </button>
            <input aria-label="退回原因" placeholder="退回原因" value={reason} onInput={(ev) => setReason(ev.currentTarget.value)} />
            <button type="button" class="btn" onClick={() => void act('reject', { version: e.version, reason })}>
              退回
            </button>
          </>
        ) : null}
        {isOffice(user) && e.state !== 'withdrawn' ? (
          <button type="button" class="btn btn-ghost" onClick={() => void act('withdraw', {})}>
            停用
          </button>
        ) : null}
      </div>
      <Section title="修改记录">
        <table class="table" data-testid="knowledge-history">
          <thead>
            <tr>
              <th>时间</th>
              <th>操作</th>
              <th>操作人</th>
              <th>说明</th>
            </tr>
          </thead>
          <tbody>
            {data.history.map((h) => (
              <tr key={h.seq}>
                <td><Time iso={h.at} /></td>
                <td>{ACTION_LABELS[h.action] ?? h.action}</td>
                <td>{h.actorName ?? h.actorId}</td>
                <td>{h.note ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}

function EntryTable({ items, onOpen }: { items: Entry[]; onOpen: (id: string) => void }) {
  if (!items.length) return <Empty>没有条目。</Empty>;
  return (
    <table class="table" data-testid="knowledge-list">
      <thead>
        <tr>
          <th>标题</th>
          <th>责任单位</th>
          <th>状态</th>
          <th>更新</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <tr key={e.id}>
            <td>
              <a
                href={`/knowledge?id=${encodeURIComponent(e.id)}`}
                onClick={(ev) => {
                  ev.preventDefault();
                  onOpen(e.id);
                }}
              >
                {e.title}
              </a>{' '}
              <SampleBadge e={e} />
              {e.stale.length ? <span class="badge badge-warn">{e.stale.map((s) => STALE_LABELS[s] ?? s).join('、')}</span> : null}
            </td>
            <td>{e.unit ?? '热线办'}</td>
            <td>{e.stateLabel}</td>
            <td><Time iso={e.updatedAt} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Tab = 'browse' | 'review' | 'stale' | 'new';

export function KnowledgePage({ user }: { user: User }) {
  const [tab, setTab] = useState<Tab>('browse');
  const [open, setOpen] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [mine, setMine] = useState(user.role === 'unit');
  const list = useApi<{ items: Entry[]; total: number }>(tab === 'browse' && !query ? `/api/v1/knowledge${qs({ unit: mine ? user.unit : null, limit: 100 })}` : null, [mine]);
  const search = useApi<{ hits: Hit[]; confidentAt: number }>(tab === 'browse' && query ? `/api/v1/knowledge/search${qs({ q: query, limit: 10 })}` : null);
  const review = useApi<{ items: Entry[] }>(tab === 'review' ? '/api/v1/knowledge?state=pending&limit=200' : null);
  const stale = useApi<{ items: { entry: Entry; reasons: string[] }[] }>(tab === 'stale' ? '/api/v1/knowledge/stale' : null);
  const refresh = () => {
    list.reload();
    review.reload();
    stale.reload();
  };
  const tabs: [Tab, string][] = [['browse', '浏览与搜索'], ...(isOffice(user) ? ([['review', '审核队列']] as [Tab, string][]) : []), ['stale', '待复核'], ...(user.role !== 'operator' ? ([['new', '新建']] as [Tab, string][]) : [])];
  return (
    <div class="page knowledge">
      <h2>知识库</h2>
      <div class="tabs" role="tablist">
        {tabs.map(([k, label]) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} class={`tab ${tab === k ? 'active' : ''}`} onClick={() => (setTab(k), setOpen(null))}>
            {label}
          </button>
        ))}
        <a class="btn btn-ghost" href="/api/v1/knowledge/export?format=xlsx" download>
          导出 XLSX
        </a>
      </div>
      {open ? (
        <Detail id={open} user={user} onChanged={refresh} onClose={() => setOpen(null)} />
      ) : tab === 'new' ? (
        <Editor user={user} entry={null} onCancel={() => setTab('browse')} onSaved={(e) => (setTab('browse'), setOpen(e.id), refresh())} />
      ) : tab === 'browse' ? (
        <>
          <form
            class="search"
            role="search"
            onSubmit={(e) => {
              e.preventDefault();
              setQuery(q.trim());
            }}
          >
            <input type="search" name="q" aria-label="搜索知识库" placeholder="输入群众的问题，如：社保卡丢了怎么补" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
            <button class="btn btn-primary" type="submit">
              搜索
            </button>
            {user.role === 'unit' ? (
              <label class="check">
                <input type="checkbox" checked={mine} onChange={(e) => setMine(e.currentTarget.checked)} /> 只看本单位
              </label>
            ) : null}
          </form>
          {query ? (
            search.loading ? (
              <Loading />
            ) : search.error ? (
              <ErrorBox error={search.error} />
            ) : search.data?.hits.length ? (
              <ol class="hits" data-testid="knowledge-hits">
                {search.data.hits.map((h) => (
                  <li key={h.entryId}>
                    <a
                      href={`/knowledge?id=${encodeURIComponent(h.entryId)}`}
                      onClick={(ev) => {
                        ev.preventDefault();
                        setOpen(h.entryId);
                      }}
                    >
                      {h.title}
                    </a>{' '}
                    <span class="muted">
                      {h.unit ?? '热线办'} · 把握 {Math.round(h.confidence * 100)}%{h.confidence >= (search.data?.confidentAt ?? 1) ? '' : '（较低）'}
                    </span>
                    <p>{h.answer}</p>
                  </li>
                ))}
              </ol>
            ) : (
              <Empty>没有找到可用的知识。</Empty>
            )
          ) : list.loading && !list.data ? (
            <Loading />
          ) : list.error ? (
            <ErrorBox error={list.error} />
          ) : (
            <>
              <p class="muted">共 {list.data?.total ?? 0} 条</p>
              <EntryTable items={list.data?.items ?? []} onOpen={setOpen} />
            </>
          )}
        </>
      ) : tab === 'review' ? (
        review.loading && !review.data ? <Loading /> : review.error ? <ErrorBox error={review.error} /> : <EntryTable items={review.data?.items ?? []} onOpen={setOpen} />
      ) : stale.loading && !stale.data ? (
        <Loading />
      ) : stale.error ? (
        <ErrorBox error={stale.error} />
      ) : (
        <EntryTable items={(stale.data?.items ?? []).map((s) => s.entry)} onOpen={setOpen} />
      )}
    </div>
  );
}
