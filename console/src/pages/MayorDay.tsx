/**
 * 市长热线日 (督办 area, supervisors and admins): the next agenda first; 联席会议 items not yet on an
 * agenda can be put on it; each item shows its tickets, the units' stated positions and the decision,
 * which is written back onto each ticket (and may reassign the unit).
 */
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api.js';
import { ErrorBox, Loading, Section } from '../components/ui.js';

import { units } from '../units.js';
import { useApi } from '../useApi.js';
import type { Unit } from '../types.js';
import { Time } from '../components/Time.js';

interface Item {
  id: string;
  agendaId: string;
  title: string;
  note: string | null;
  numbers: string[];
  tickets: { id: string; number: string; unit: string | null; state: string; content: string }[];
  positions: { unit: string; position: string; by: string; at: string }[];
  decision: { text: string; unit: string | null; by: string; at: string } | null;
}
interface Agenda {
  id: string;
  date: string;
  title: string;
  items: Item[];
}
interface Candidate {
  key: string;
  title: string;
  ticketIds: string[];
  note: string | null;
  addedAt: string;
}

const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

function ItemCard({ a, i, unitList, onDone }: { a: Agenda; i: Item; unitList: Unit[]; onDone: () => void }) {
  const [unit, setUnit] = useState('');
  const [position, setPosition] = useState('');
  const [decision, setDecision] = useState('');
  const [newUnit, setNewUnit] = useState('');
  const [error, setError] = useState<unknown>(null);
  const run = async (path: string, body: unknown) => {
    setError(null);
    try {
      await post(`/api/v1/mayor-day/${a.id}/items/${i.id}/${path}`, body);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <li class="mayor-item" data-testid="mayor-item">
      <h3>{i.title}</h3>
      {i.note ? <p class="muted">{i.note}</p> : null}
      <ul>
        {i.tickets.map((t) => (
          <li key={t.id}>
            <a href={`/tickets/${t.id}`}>{t.number}</a> · {t.unit ?? '待派单'} · {t.content}
          </li>
        ))}
      </ul>
      <h4>各单位意见</h4>
      {i.positions.length ? (
        <ul data-testid="positions">
          {i.positions.map((p) => (
            <li key={p.unit}>
              <strong>{p.unit}</strong>：{p.position} <span class="muted">（{p.by}，<Time iso={p.at} />）</span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">尚无。</p>
      )}
      {i.decision ? (
        <p class="alert alert-ok" data-testid="decision">
          决定：{i.decision.text}
          {i.decision.unit ? `（改由 ${i.decision.unit} 承办）` : ''} <span class="muted">— {i.decision.by}，<Time iso={i.decision.at} /></span>
        </p>
      ) : (
        <>
          <form
            class="inline-form"
            aria-label="记录单位意见"
            onSubmit={(e) => {
              e.preventDefault();
              void run('positions', { unit, position }).then(() => setPosition(''));
            }}
          >
            <label>
              单位
              <select required value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
                <option value="">请选择</option>
                {unitList.map((u) => (
                  <option key={u.name} value={u.name}>
                    {u.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              意见
              <input type="text" required maxLength={2000} value={position} onInput={(e) => setPosition(e.currentTarget.value)} />
            </label>
            <button type="submit" class="btn">
              记录意见
            </button>
          </form>
          <form
            class="inline-form"
            aria-label="记录决定"
            onSubmit={(e) => {
              e.preventDefault();
              void run('decision', { decision, ...(newUnit ? { unit: newUnit } : {}) });
            }}
          >
            <label>
              决定
              <input type="text" required maxLength={4000} value={decision} onInput={(e) => setDecision(e.currentTarget.value)} />
            </label>
            <label>
              改由单位承办（可选）
              <select value={newUnit} onChange={(e) => setNewUnit(e.currentTarget.value)}>
                <option value="">不改派</option>
                {unitList.map((u) => (
                  <option key={u.name} value={u.name}>
                    {u.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" class="btn btn-primary">
              记录决定
            </button>
          </form>
        </>
      )}
      <ErrorBox error={error} />
    </li>
  );
}

export function MayorDayPage() {
  const agendas = useApi<{ items: Agenda[] }>('/api/v1/mayor-day');
  const candidates = useApi<{ items: Candidate[] }>('/api/v1/mayor-day/candidates');
  const [unitList, setUnits] = useState<Unit[]>([]);
  const [date, setDate] = useState(today());
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    units().then(setUnits, () => setUnits([]));
  }, []);
  const reload = () => {
    agendas.reload();
    candidates.reload();
  };
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      reload();
    } catch (e) {
      setError(e);
    }
  };
  if (agendas.loading && !agendas.data) return <Loading />;
  return (
    <div class="mayor-day">
      <header class="page-head">
        <h1>市长热线日</h1>
        <form
          class="inline-form"
          aria-label="新建市长热线日"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => post('/api/v1/mayor-day', { date }));
          }}
        >
          <label>
            日期
            <input type="date" required value={date} onInput={(e) => setDate(e.currentTarget.value)} />
          </label>
          <button type="submit" class="btn">
            新建议程
          </button>
        </form>
      </header>
      <ErrorBox error={error ?? agendas.error ?? candidates.error} />
      <Section title="联席会议未能决断的事项">
        {candidates.data?.items.length ? (
          <ul data-testid="candidates">
            {candidates.data.items.map((c) => (
              <li key={c.key}>
                {c.title} <span class="muted">（{c.ticketIds.length} 件，<Time iso={c.addedAt} /> 列入联席会议）</span>{' '}
                <button type="button" class="btn btn-small" onClick={() => void run(() => post('/api/v1/mayor-day/items', { jointMeetingKey: c.key }))}>
                  提交下一次市长热线日
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">暂无待提交的联席会议事项。</p>
        )}
      </Section>
      {agendas.data?.items.length ? (
        agendas.data.items.map((a) => (
          <Section key={a.id} title={`${a.title}（${a.date}）`}>
            {a.items.length ? (
              <ol class="mayor-items">
                {a.items.map((i) => (
                  <ItemCard key={i.id} a={a} i={i} unitList={unitList} onDone={reload} />
                ))}
              </ol>
            ) : (
              <p class="muted">议程暂无事项。</p>
            )}
          </Section>
        ))
      ) : (
        <p class="muted">还没有市长热线日议程。</p>
      )}
    </div>
  );
}
