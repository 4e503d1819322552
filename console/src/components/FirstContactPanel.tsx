/**
 * 一次性答复 on the 督办看板 (issue 24): 一次性答复率 per channel and operator this month with the
 * exports, the questions that found no entry as a to-do list per unit (知识库待补充), and the
 * most used entries.
 */
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { Empty, Section } from './ui.js';
import { percent } from '../format.js';
import type { FirstContactRow, MissGroup } from '../../../src/domain/kpi/first-contact.js';

interface Figures {
  rows: FirstContactRow[];
  total: FirstContactRow;
}
interface TopEntry {
  entryId: string;
  title: string;
  unit: string | null;
  uses: number;
}

function RateTable({ rows, head, caption }: { rows: FirstContactRow[]; head: string; caption: string }) {
  if (!rows.length) return <Empty>本月还没有咨询。</Empty>;
  return (
    <table class="table" data-testid={`first-contact-${head}`}>
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col">咨询受理量</th>
          <th scope="col">一次性答复量</th>
          <th scope="col">一次性答复率</th>
          <th scope="col">答复后重办</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <td>{r.label}</td>
            <td>{r.consultations}</td>
            <td>{r.answered}</td>
            <td>{percent(r.rate)}</td>
            <td>{r.reopened}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FirstContactPanel({ office }: { office: boolean }) {
  const [channel, setChannel] = useState<Figures | null>(null);
  const [operator, setOperator] = useState<Figures | null>(null);
  const [misses, setMisses] = useState<MissGroup[] | null>(null);
  const [top, setTop] = useState<TopEntry[] | null>(null);

  useEffect(() => {
    if (office) {
      get<Figures>('/api/v1/stats/first-contact?groupBy=channel').then(setChannel, () => undefined);
      get<Figures>('/api/v1/stats/first-contact?groupBy=operator').then(setOperator, () => undefined);
      get<{ items: TopEntry[] }>('/api/v1/answers/top-entries?limit=10').then((r) => setTop(r.items), () => undefined);
    }
    get<{ groups: MissGroup[] }>('/api/v1/answers/misses').then((r) => setMisses(r.groups), () => undefined);
  }, [office]);

  return (
    <>
      {office ? (
        <Section
          title={`一次性答复率（本月）${channel ? `：${percent(channel.total.rate)}（${channel.total.answered}/${channel.total.consultations}）` : ''}`}
          actions={
            <span>
              <a class="btn btn-small" href="/api/v1/stats/first-contact?groupBy=channel&format=csv" download>
                导出 CSV
              </a>{' '}
              <a class="btn btn-small" href="/api/v1/stats/first-contact?groupBy=operator&format=xlsx" download>
                导出 XLSX
              </a>
            </span>
          }
        >
          <div data-testid="first-contact">
            {channel ? <RateTable rows={channel.rows} head="渠道" caption="各渠道一次性答复率" /> : null}
            {operator ? <RateTable rows={operator.rows} head="答复人" caption="各答复人一次性答复率" /> : null}
          </div>
        </Section>
      ) : null}
      <Section title={`知识库待补充（${misses ? misses.reduce((n, g) => n + g.count, 0) : 0} 个问题未找到答案）`}>
        {!misses || misses.length === 0 ? (
          <Empty>本月没有未找到答案的问题。</Empty>
        ) : (
          <table class="table" data-testid="knowledge-misses">
            <thead>
              <tr>
                <th scope="col">单位</th>
                <th scope="col">关键词</th>
                <th scope="col">次数</th>
                <th scope="col">群众原话（示例）</th>
              </tr>
            </thead>
            <tbody>
              {misses.slice(0, 50).map((g) => (
                <tr key={`${g.unit}|${g.terms.join('+')}`}>
                  <td>{g.unit ?? '热线办'}</td>
                  <td>{g.terms.join('、') || '—'}</td>
                  <td>{g.count}</td>
                  <td>{g.examples.join('；')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {office ? (
        <Section title="最常用的知识库条目（本月）">
          {!top || top.length === 0 ? (
            <Empty>本月还没有使用知识库答复。</Empty>
          ) : (
            <ol class="top-entries" data-testid="top-entries">
              {top.map((e) => (
                <li key={e.entryId}>
                  <strong>{e.title}</strong> <span class="muted">{e.unit ?? '热线办'}</span> · 使用 {e.uses} 次
                </li>
              ))}
            </ol>
          )}
        </Section>
      ) : null}
    </>
  );
}
