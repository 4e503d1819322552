/** 市融媒体中心: the closed tickets the 热线办 chose for publication, personal data masked, with their outcome. */
import { ErrorBox, Loading, Section } from '../components/ui.js';

import { useApi } from '../useApi.js';
import { Time } from '../components/Time.js';
import type { MediaItem } from '../../../src/application/grid/media.js';

export function MediaPage() {
  const { data, error, loading } = useApi<{ items: MediaItem[] }>('/api/v1/media/tickets');
  if (loading && !data) return <Loading />;
  return (
    <div class="media-page">
      <header class="page-head">
        <h1>跟踪报道素材</h1>
        <span class="muted">热线办选登的已办结工单（已隐去姓名、电话、门牌和证件号）。系统对接：GET /api/v1/media/feed</span>
      </header>
      <ErrorBox error={error} />
      {data?.items.length ? (
        data.items.map((m) => (
          <Section key={m.id} title={m.headline ?? `工单 ${m.number}`}>
            <article data-testid="media-item">
              {m.summary ? <p class="media-summary">{m.summary}</p> : null}
              <dl class="facts">
                <dt>工单</dt>
                <dd>
                  {m.number} · {m.category} · 选登于 <Time iso={m.publishedAt} />
                </dd>
                <dt>诉求</dt>
                <dd data-testid="media-content">{m.content}</dd>
                <dt>乡镇 / 地点</dt>
                <dd>
                  {m.township ?? '—'} / {m.place ?? '—'}
                </dd>
                <dt>承办单位</dt>
                <dd>{m.unit ?? '—'}</dd>
                <dt>办理结果</dt>
                <dd>{m.reply ?? '—'}</dd>
                <dt>回访</dt>
                <dd>
                  {m.satisfaction ?? '—'}
                  {m.solved === null ? '' : m.solved ? ' · 已解决' : ' · 未解决'}
                </dd>
                <dt>受理 / 办结</dt>
                <dd>
                  <Time iso={m.createdAt} /> / <Time iso={m.closedAt} />
                </dd>
              </dl>
            </article>
          </Section>
        ))
      ) : (
        <p class="muted">暂无选登的工单。</p>
      )}
    </div>
  );
}
