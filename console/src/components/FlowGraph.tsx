/**
 * An IVR flow drawn as a graph: steps in columns by their distance from the start (breadth
 * first), edges as curves labelled with the key or outcome that takes them.
 */
export interface FlowGraphData {
  name: string;
  file: string;
  description: string | null;
  start: string;
  steps: { id: string; verb: string; line: number; text: string; edges: { to: string; label: string }[] }[];
}

const W = 168;
const H = 48;
const GX = 76;
const GY = 18;
const VERB_LABEL: Record<string, string> = { say: '播报', play: '放音', gather: '按键', record: '录音', queue: '排队', dial: '转接', sms: '短信', action: '动作', branch: '判断', goto: '跳转', hangup: '挂机' };

export function layout(g: FlowGraphData) {
  const byId = new Map(g.steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>([[g.start, 0]]);
  const queue = [g.start];
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of byId.get(id)?.edges ?? []) {
      if (!depth.has(e.to) && byId.has(e.to)) {
        depth.set(e.to, depth.get(id)! + 1);
        queue.push(e.to);
      }
    }
  }
  // unreachable steps (the validator warns about them) go in a last column
  const maxD = Math.max(0, ...depth.values());
  for (const s of g.steps) if (!depth.has(s.id)) depth.set(s.id, maxD + 1);
  const columns: string[][] = [];
  for (const s of g.steps) (columns[depth.get(s.id)!] ??= []).push(s.id);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((id, r) => pos.set(id, { x: 10 + c * (W + GX), y: 10 + r * (H + GY) })));
  const width = 20 + columns.length * (W + GX) - GX;
  const height = 20 + Math.max(...columns.map((c) => c.length)) * (H + GY) - GY;
  return { pos, width, height };
}

export function FlowGraph({ g }: { g: FlowGraphData }) {
  const { pos, width, height } = layout(g);
  return (
    <div class="flow-scroll">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`语音流程 ${g.name} 的流程图`} class="flow">
        <defs>
          <marker id={`arrow-${g.name}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="flow-arrow" />
          </marker>
        </defs>
        {g.steps.flatMap((s) =>
          s.edges.map((e, i) => {
            const a = pos.get(s.id);
            const b = pos.get(e.to);
            if (!a || !b) return null;
            const forward = b.x > a.x;
            const x1 = forward ? a.x + W : a.x + W / 2;
            const y1 = forward ? a.y + H / 2 : a.y + H;
            const x2 = forward ? b.x : b.x + W / 2;
            const y2 = forward ? b.y + H / 2 : b.y + H;
            const d = forward ? `M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}` : `M${x1},${y1} C${x1},${y1 + 40} ${x2},${y2 + 40} ${x2},${y2}`;
            return (
              <g key={`${s.id}-${e.to}-${i}`} class="flow-edge">
                <path d={d} marker-end={`url(#arrow-${g.name})`} />
                {e.label ? (
                  <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 3} text-anchor="middle">
                    {e.label.length > 14 ? `${e.label.slice(0, 13)}…` : e.label}
                  </text>
                ) : null}
              </g>
            );
          }),
        )}
        {g.steps.map((s) => {
          const p = pos.get(s.id)!;
          return (
            <g key={s.id} class={`flow-node verb-${s.verb}${s.id === g.start ? ' start' : ''}`} transform={`translate(${p.x},${p.y})`}>
              <title>{`${s.id}（第 ${s.line} 行）：${s.text}`}</title>
              <rect width={W} height={H} rx={6} />
              <text x={8} y={18} class="flow-id">
                {VERB_LABEL[s.verb] ?? s.verb} · {s.id.length > 14 ? `${s.id.slice(0, 13)}…` : s.id}
              </text>
              <text x={8} y={36} class="flow-text">
                {s.text.length > 12 ? `${s.text.slice(0, 12)}…` : s.text}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
