/**
 * 督办 › 问责线索: 推诿扯皮, 虚假办结 and 复制答复 flags over a period, each with its evidence (tickets,
 * events, 回访 answers), and the case file per unit for the 市纪委监委 (Excel; numbers masked unless
 * asked for; every case file is audited). Supervisors and admins only.
 */
import { useState } from 'preact/hooks';
import { qs } from '../api.js';
import { Empty, ErrorBox, Loading, Section } from '../components/ui.js';
import { serverToday } from '../format.js';
import { useApi } from '../useApi.js';
import { Time } from '../components/Time.js';
import type { Flag } from '../../../src/domain/accountability/detect.js';

const BASIS: Record<string, string> = { refused_returns: '退单被驳回', followup: '回访未解决', repeat_call: '30天内重复来电', copied_reply: '答复雷同' };
const TONE: Record<Flag['kind'], string> = { shirking: 'danger', false_completion: 'warn', copied_reply: 'info' };

export function AccountabilityPage() {
  const today = serverToday();
  const [from, setFrom] = useState(`${today.slice(0, 7)}-01`);
  const [to, setTo] = useState(today);
  const [unit, setUnit] = useState('');
  const [full, setFull] = useState(false);
  const { data, error, loading } = useApi<{ flags: Flag[] }>(`/api/v1/accountability/flags${qs({ from, to })}`, [from, to]);
  const flags = (data?.flags ?? []).filter((f) => !unit || f.unit === unit);
  const units = [...new Set((data?.flags ?? []).map((f) => f.unit))].sort((a, b) => a.localeCompare(b, 'zh'));
  const byUnit = new Map<string, Flag[]>();
  for (const f of flags) byUnit.set(f.unit, [...(byUnit.get(f.unit) ?? []), f]);
  const caseFile = (u: string) => `/api/v1/accountability/case-file${qs({ unit: u, from, to, format: 'xlsx', contacts: full ? 'full' : undefined })}`;
  return (
    <div>
      <p class="crumbs">
        <a href="/board">督办看板</a> › 问责线索
      </p>
      <h1 class="page-title">问责线索</h1>
      <p class="muted">系统依据工单事件记录识别推诿扯皮、虚假办结、复制答复等线索，供热线办核查后与市纪委监委协同处理。线索不是结论，须经人工核实。</p>
      <Section
        title="筛选"
        actions={
          <>
            <label class="inline">
              起
              <input type="date" name="from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
            </label>
            <label class="inline">
              止
              <input type="date" name="to" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
            </label>
            <label class="inline">
              单位
              <select name="unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
                <option value="">全部</option>
                {units.map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </select>
            </label>
            <label class="inline" title="案卷中包含完整的来电号码和姓名（记入审计）">
              <input type="checkbox" name="full" checked={full} onChange={(e) => setFull(e.currentTarget.checked)} />
              案卷含完整号码
            </label>
          </>
        }
      >
        <ErrorBox error={error} />
        {loading && !data ? <Loading /> : null}
        {data && !flags.length ? <Empty>所选期间没有问责线索。</Empty> : null}
      </Section>
      {[...byUnit.entries()].map(([u, fs]) => (
        <Section
          key={u}
          title={`${u}（${fs.length} 条线索）`}
          actions={
            <a class="btn btn-small" href={caseFile(u)} download data-testid={`case-file-${u}`}>
              导出案卷（Excel）
            </a>
          }
        >
          <ul class="flags" data-testid="accountability-flags">
            {fs.map((f) => (
              <li key={f.id} data-kind={f.kind}>
                <span class={`badge badge-${TONE[f.kind]}`}>{f.kindLabel}</span> <span class="muted">{BASIS[f.basis] ?? f.basis}</span> {f.summary}
                {f.similarity !== undefined ? <span class="muted">（相似度 {Math.round(f.similarity * 100)}%）</span> : null}
                <div>
                  {f.numbers.map((n, i) => (
                    <a key={n} href={`/tickets/${f.ticketIds[i]}`} class="chip-link">
                      {n}
                    </a>
                  ))}
                </div>
                <details>
                  <summary>证据（{f.events.length} 条事件{f.followUps.length ? `，${f.followUps.length} 次回访` : ''}）</summary>
                  <table class="grid compact">
                    <caption class="sr-only">证据事件</caption>
                    <thead>
                      <tr>
                        <th scope="col">工单</th>
                        <th scope="col">时间</th>
                        <th scope="col">事件</th>
                        <th scope="col">操作人</th>
                        <th scope="col">内容</th>
                      </tr>
                    </thead>
                    <tbody>
                      {f.events.map((e) => (
                        <tr key={`${e.ticketId}:${e.seq}`}>
                          <td>{e.number}</td>
                          <td><Time iso={e.at} /></td>
                          <td>{e.label}</td>
                          <td>{e.actor}</td>
                          <td>{e.detail}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {f.followUps.length ? (
                    <ul>
                      {f.followUps.map((x) => (
                        <li key={`${x.number}:${x.at}`}>
                          回访 {x.number} <Time iso={x.at} />：{x.satisfaction}
                          {x.solved === null ? '' : x.solved ? '，已解决' : '，未解决'}
                          {x.reason ? `；${x.reason}` : ''}
                          {x.comment ? `；${x.comment}` : ''}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  {f.dutyEvidence ? (
                    <ul>
                      {Object.entries(f.dutyEvidence).map(([n, ev]) => (
                        <li key={n}>
                          {n} 职责清单依据：{ev.join('；') || '—'}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </details>
              </li>
            ))}
          </ul>
        </Section>
      ))}
    </div>
  );
}
