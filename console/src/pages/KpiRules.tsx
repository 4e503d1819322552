/**
 * 管理 › 考核规则: the versions of the assessment rule (who, when, why, from which month), the rule in
 * force, a new version (admins; from this month on — past months keep theirs) and the 综合考核 export.
 */
import { useEffect, useState } from 'preact/hooks';
import { post, qs } from '../api.js';
import { Empty, ErrorBox, Loading, Section } from '../components/ui.js';
import { serverToday } from '../format.js';
import { useApi } from '../useApi.js';
import { Time } from '../components/Time.js';

type RateKey = 'response' | 'closing' | 'closingOnTime' | 'solving' | 'satisfaction';
type DeductionKey = 'overdue' | 'returnRefused' | 'reopened' | 'supervised' | 'noticed';
const RATES: [RateKey, string][] = [
  ['response', '响应率'],
  ['closing', '办结率'],
  ['closingOnTime', '按期办结率'],
  ['solving', '解决率'],
  ['satisfaction', '满意率'],
];
const DEDUCTIONS: [DeductionKey, string][] = [
  ['overdue', '超期（每件）'],
  ['returnRefused', '退单被驳回（每次）'],
  ['reopened', '重办（每次）'],
  ['supervised', '督办（每次）'],
  ['noticed', '通报（每次）'],
];
const CATEGORIES = ['咨询', '求助', '投诉', '举报', '建议', '表扬'];

interface Rule {
  weights: Record<RateKey, number>;
  deductions: Record<DeductionKey, { points: number; cap: number | null }>;
  scope: { excludeCategories: string[]; excludeMirrors: boolean; testMarkers: string[]; testContacts: string[] };
  formulas: { satisfactionWeights: { 满意: number; 基本满意: number; 不满意: number }; onTimeBasis: 'replied' | 'closed'; excludeMerged: boolean };
}
interface Version {
  version: number;
  effectiveFrom: string;
  rule: Rule;
  createdAt: string | null;
  createdBy: { id: string; name: string };
  reason: string;
}

const monthLabel = (m: string) => (m === '2000-01' ? '最初' : `${m.slice(0, 4)}年${Number(m.slice(5))}月`);

function RuleSummary({ rule }: { rule: Rule }) {
  const deductions = DEDUCTIONS.filter(([k]) => rule.deductions[k].points > 0);
  return (
    <dl class="rule-summary">
      <dt>权重</dt>
      <dd>{RATES.filter(([k]) => rule.weights[k] > 0).map(([k, l]) => `${l} ${rule.weights[k]}`).join('，')}</dd>
      <dt>扣分</dt>
      <dd>{deductions.length ? deductions.map(([k, l]) => `${l.replace(/（.*）/, '')} ${rule.deductions[k].points} 分/次${rule.deductions[k].cap !== null ? `（最多 ${rule.deductions[k].cap} 分）` : ''}`).join('，') : '不扣分'}</dd>
      <dt>考核范围</dt>
      <dd>
        {[
          rule.scope.excludeCategories.length ? `不计 ${rule.scope.excludeCategories.join('、')}` : '全部类别',
          rule.scope.excludeMirrors ? '不计互联互通平台镜像件' : null,
          rule.formulas.excludeMerged ? '并单件不计入办结率' : null,
          rule.scope.testMarkers.length ? `不计以 ${rule.scope.testMarkers.join('、')} 开头的测试件` : null,
          rule.scope.testContacts.length ? `不计测试号码 ${rule.scope.testContacts.length} 个` : null,
        ]
          .filter(Boolean)
          .join('；')}
      </dd>
      <dt>计算口径</dt>
      <dd>
        基本满意按 {rule.formulas.satisfactionWeights.基本满意} 计；按期以{rule.formulas.onTimeBasis === 'replied' ? '单位反馈' : '热线办结'}为准
      </dd>
    </dl>
  );
}

export function KpiRules({ admin }: { admin: boolean }) {
  const { data, error, reload } = useApi<{ month: string; current: number; versions: Version[] }>('/api/v1/kpi-rules');
  const [exportMonth, setExportMonth] = useState(serverToday().slice(0, 7));
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const current = data.versions.find((v) => v.version === data.current)!;
  const latest = data.versions[data.versions.length - 1]!;
  return (
    <>
      <Section title={`本月（${monthLabel(data.month)}）适用的考核规则：第 ${current.version} 版`}>
        <RuleSummary rule={current.rule} />
      </Section>
      <Section
        title="综合考核导出"
        actions={
          <>
            <label class="inline">
              月份
              <input type="month" value={exportMonth} onInput={(e) => setExportMonth(e.currentTarget.value)} />
            </label>
            <a class="btn btn-small" href={`/api/v1/stats/assessment${qs({ month: exportMonth, format: 'csv' })}`} download>
              导出 CSV
            </a>
            <a class="btn btn-small" href={`/api/v1/stats/assessment${qs({ month: exportMonth, format: 'xlsx' })}`} download>
              导出 Excel
            </a>
          </>
        }
      >
        <p class="muted">每个单位的考核得分、各项比率及其权重与得分、各项扣分的次数与分值，按该月适用的规则计算。</p>
      </Section>
      <Section title="规则版本（调整记录）">
        <table class="grid" data-testid="kpi-rule-versions">
          <caption class="sr-only">考核规则版本</caption>
          <thead>
            <tr>
              <th scope="col">版本</th>
              <th scope="col">生效月份</th>
              <th scope="col">调整人</th>
              <th scope="col">调整时间</th>
              <th scope="col">调整原因</th>
              <th scope="col">规则</th>
            </tr>
          </thead>
          <tbody>
            {[...data.versions].reverse().map((v) => (
              <tr key={v.version}>
                <td>第 {v.version} 版</td>
                <td>{monthLabel(v.effectiveFrom)}起</td>
                <td>{v.createdBy.name}</td>
                <td><Time iso={v.createdAt} /></td>
                <td>{v.reason}</td>
                <td>
                  <details>
                    <summary>查看</summary>
                    <RuleSummary rule={v.rule} />
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {admin ? <NewVersion base={current.rule} latest={latest.version} month={data.month} onSaved={reload} /> : <Empty>只有管理员可以调整考核规则。</Empty>}
    </>
  );
}

function NewVersion({ base, latest, month, onSaved }: { base: Rule; latest: number; month: string; onSaved: () => void }) {
  const [rule, setRule] = useState<Rule>(base);
  const [from, setFrom] = useState(month);
  const [reason, setReason] = useState('');
  const [markers, setMarkers] = useState(base.scope.testMarkers.join('，'));
  const [contacts, setContacts] = useState(base.scope.testContacts.join('，'));
  const [err, setErr] = useState<unknown>(null);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => setRule(base), [latest]);
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s));
  const list = (s: string) =>
    s
      .split(/[,，、\s]+/)
      .map((x) => x.trim())
      .filter(Boolean);
  const save = async (e: Event) => {
    e.preventDefault();
    setErr(null);
    setMsg(null);
    try {
      const r = await post<{ version: Version }>('/api/v1/kpi-rules', {
        effectiveFrom: from,
        reason: reason.trim(),
        expectedVersion: latest,
        rule: { ...rule, scope: { ...rule.scope, testMarkers: list(markers), testContacts: list(contacts) } },
      });
      setMsg(`已保存第 ${r.version.version} 版，自 ${monthLabel(r.version.effectiveFrom)}起适用`);
      setReason('');
      onSaved();
    } catch (x) {
      setErr(x);
    }
  };
  const setW = (k: RateKey, v: string) => setRule({ ...rule, weights: { ...rule.weights, [k]: num(v) } });
  const setD = (k: DeductionKey, f: 'points' | 'cap', v: string) => setRule({ ...rule, deductions: { ...rule.deductions, [k]: { ...rule.deductions[k], [f]: f === 'cap' && v.trim() === '' ? null : num(v) } } });
  const toggleCat = (c: string) => {
    const xs = rule.scope.excludeCategories;
    setRule({ ...rule, scope: { ...rule.scope, excludeCategories: xs.includes(c) ? xs.filter((x) => x !== c) : [...xs, c] } });
  };
  return (
    <Section title="新增规则版本">
      <form class="form kpi-rule-form" onSubmit={save} aria-label="新增考核规则版本">
        <ErrorBox error={err} />
        {msg ? (
          <div class="alert alert-ok" role="status">
            {msg}
          </div>
        ) : null}
        <div class="kr-row">
          <label>
            生效月份（不早于本月）
            <input type="month" name="effectiveFrom" min={month} value={from} required onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label class="kr-grow">
            调整原因
            <input name="reason" value={reason} required maxLength={500} placeholder="例如：经市民意速办领导小组研究，咨询件不再计入考核" onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
        </div>
        <fieldset>
          <legend>比率权重（没有数据的比率不计，其余按比例折算为 100 分）</legend>
          {RATES.map(([k, l]) => (
            <label key={k}>
              {l}
              <input type="number" name={`weight-${k}`} min={0} max={100} step="any" value={Number.isNaN(rule.weights[k]) ? '' : rule.weights[k]} onInput={(e) => setW(k, e.currentTarget.value)} />
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>扣分（每次分值；上限留空为不封顶）</legend>
          {DEDUCTIONS.map(([k, l]) => (
            <div key={k} class="kr-row">
              <label>
                {l}
                <input type="number" name={`deduct-${k}`} min={0} max={100} step="any" value={Number.isNaN(rule.deductions[k].points) ? '' : rule.deductions[k].points} onInput={(e) => setD(k, 'points', e.currentTarget.value)} />
              </label>
              <label>
                上限
                <input type="number" name={`cap-${k}`} min={0} max={100} step="any" value={rule.deductions[k].cap ?? ''} onInput={(e) => setD(k, 'cap', e.currentTarget.value)} />
              </label>
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>考核范围</legend>
          <div class="kr-row">
            {CATEGORIES.map((c) => (
              <label key={c} class="inline">
                <input type="checkbox" name={`exclude-${c}`} checked={rule.scope.excludeCategories.includes(c)} onChange={() => toggleCat(c)} />
                不计{c}
              </label>
            ))}
          </div>
          <label class="inline">
            <input type="checkbox" name="excludeMirrors" checked={rule.scope.excludeMirrors} onChange={(e) => setRule({ ...rule, scope: { ...rule.scope, excludeMirrors: e.currentTarget.checked } })} />
            不计互联互通平台的镜像件
          </label>
          <label class="inline">
            <input type="checkbox" name="excludeMerged" checked={rule.formulas.excludeMerged} onChange={(e) => setRule({ ...rule, formulas: { ...rule.formulas, excludeMerged: e.currentTarget.checked } })} />
            并单件不计入办结率
          </label>
          <label>
            测试件标记（内容以此开头的工单不计，逗号分隔）
            <input name="testMarkers" value={markers} placeholder="【测试】" onInput={(e) => setMarkers(e.currentTarget.value)} />
          </label>
          <label>
            测试号码（逗号分隔）
            <input name="testContacts" value={contacts} onInput={(e) => setContacts(e.currentTarget.value)} />
          </label>
        </fieldset>
        <fieldset>
          <legend>计算口径</legend>
          <label>
            “基本满意”折算
            <input
              type="number"
              name="basicallySatisfied"
              min={0}
              max={1}
              step="any"
              value={rule.formulas.satisfactionWeights.基本满意}
              onInput={(e) => setRule({ ...rule, formulas: { ...rule.formulas, satisfactionWeights: { ...rule.formulas.satisfactionWeights, 基本满意: num(e.currentTarget.value) } } })}
            />
          </label>
          <label>
            按期办结以
            <select name="onTimeBasis" value={rule.formulas.onTimeBasis} onChange={(e) => setRule({ ...rule, formulas: { ...rule.formulas, onTimeBasis: e.currentTarget.value as 'replied' | 'closed' } })}>
              <option value="replied">单位反馈为准</option>
              <option value="closed">热线办结为准</option>
            </select>
          </label>
        </fieldset>
        <button type="submit" class="btn btn-primary">
          保存新版本
        </button>
      </form>
    </Section>
  );
}
