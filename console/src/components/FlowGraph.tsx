/**
 * An IVR flow drawn as a graph, laid out by dagre (@dagrejs/dagre): steps in ranks from the start,
 * ordered to cross as few edges as it can, edges routed level through a column and across the gaps
 * between columns (never over a step), with room kept for their
 * labels (the key or outcome that takes them), drawn on a white plate so they stay readable.
 */
import dagre from '@dagrejs/dagre';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

export interface FlowGraphData {
  name: string;
  file: string;
  description: string | null;
  start: string;
  steps: { id: string; verb: string; line: number; text: string; edges: { to: string; label: string }[] }[];
}

const W = 168;
const H = 48;
const LABEL_MAX = 14;
const VERB_LABEL: Record<string, string> = { say: '播报', play: '放音', gather: '按键', record: '录音', queue: '排队', dial: '转接', sms: '短信', action: '动作', branch: '判断', goto: '跳转', hangup: '挂机' };

const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
/** Rough text width at 10 px: CJK characters are square, Latin ones about half. */
const textWidth = (s: string) => [...s].reduce((w, c) => w + (/[\u2e80-\u9fff\uff00-\uffef]/.test(c) ? 10.5 : 6), 0);

export interface FlowLayout {
  nodes: Map<string, { x: number; y: number }>;
  edges: { from: string; to: string; label: string; points: { x: number; y: number }[]; labelAt: { x: number; y: number } | null }[];
  width: number;
  height: number;
}

/** Positions (top-left corners) of the steps and the routes of the edges. */
export function layout(g: FlowGraphData): FlowLayout {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 22, ranksep: 56, edgesep: 14, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(g.steps.map((s) => s.id));
  for (const s of g.steps) graph.setNode(s.id, { width: W, height: H });
  g.steps.forEach((s) =>
    s.edges.forEach((e, i) => {
      if (!known.has(e.to)) return;
      const label = short(e.label, LABEL_MAX);
      graph.setEdge(s.id, e.to, label ? { label, width: textWidth(label) + 8, height: 16, labelpos: 'c' } : { width: 0, height: 0 }, `${i}`);
    }),
  );
  dagre.layout(graph);
  const nodes = new Map<string, { x: number; y: number }>();
  for (const id of graph.nodes()) {
    const n = graph.node(id);
    nodes.set(id, { x: n.x - W / 2, y: n.y - H / 2 });
  }
  // The steps' columns: a rank of real steps is W wide; ranks of only edge bends and labels have no width.
  const columns = new Set(graph.nodes().map((id) => Math.round(graph.node(id).x)));
  const half = (x: number) => (columns.has(Math.round(x)) ? W / 2 : 0);
  const edges = graph.edges().map((ref) => {
    const e = graph.edge(ref) as { label?: string; points?: { x: number; y: number }[]; x?: number; y?: number };
    // Routed between the ranks: level through a column (where dagre kept the bend's place free), across in
    // the gap between two columns, so a line never runs over a step. From the source's side to the target's.
    const a = graph.node(ref.v);
    const b = graph.node(ref.w);
    const inner = (e.points ?? []).slice(1, -1).filter((p) => Math.abs(p.x - a.x) > 1 && Math.abs(p.x - b.x) > 1);
    const stops = [{ x: a.x, y: a.y }, ...inner, { x: b.x, y: b.y }];
    const points: { x: number; y: number }[] = [];
    for (let i = 0; i < stops.length - 1; i++) {
      const p = stops[i]!;
      const q = stops[i + 1]!;
      const dir = q.x >= p.x ? 1 : -1;
      if (i === 0) points.push({ x: p.x + dir * half(p.x), y: p.y });
      else points.push(p, { x: p.x + dir * half(p.x), y: p.y });
      points.push({ x: q.x - dir * half(q.x), y: q.y });
    }
    return { from: ref.v, to: ref.w, label: e.label ?? '', points, labelAt: e.label && e.x !== undefined && e.y !== undefined ? { x: e.x, y: e.y } : null };
  });
  const gl = graph.graph();
  return { nodes, edges, width: Math.ceil(gl.width ?? 0), height: Math.ceil(gl.height ?? 0) };
}

/** Straight segments through the route. */
function pathOf(pts: { x: number; y: number }[]): string {
  if (pts.length === 0) return '';
  let d = `M${pts[0]!.x},${pts[0]!.y}`;
  for (let i = 1; i < pts.length; i++) d += ` L${pts[i]!.x},${pts[i]!.y}`;
  return d;
}

export function FlowGraph({ g }: { g: FlowGraphData }) {
  const { nodes, edges, width, height } = useMemo(() => layout(g), [g]);
  const [fit, setFit] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  // Open at the start step (dagre may place it anywhere along the first rank).
  useEffect(() => {
    const start = nodes.get(g.start);
    const el = box.current;
    if (!start || !el || fit) return;
    el.scrollLeft = Math.max(0, start.x - 24);
    el.scrollTop = Math.max(0, start.y + H / 2 - el.clientHeight / 2);
  }, [g.name, fit]);
  return (
    <div class="flow-wrap">
      <label class="inline flow-fit">
        <input type="checkbox" checked={fit} onChange={(e) => setFit(e.currentTarget.checked)} />
        缩放到适应宽度（总览）
      </label>
      <div class="flow-scroll" ref={box}>
        <svg width={fit ? '100%' : width} height={fit ? undefined : height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`语音流程 ${g.name} 的流程图`} class="flow">
          <defs>
            <marker id={`arrow-${g.name}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" class="flow-arrow" />
            </marker>
          </defs>
          {edges.map((e, i) => (
            <g key={`${e.from}-${e.to}-${i}`} class="flow-edge" data-from={e.from} data-to={e.to}>
              <path d={pathOf(e.points)} marker-end={`url(#arrow-${g.name})`} />
            </g>
          ))}
          {g.steps.map((s) => {
            const p = nodes.get(s.id)!;
            return (
              <g key={s.id} class={`flow-node verb-${s.verb}${s.id === g.start ? ' start' : ''}`} transform={`translate(${p.x},${p.y})`} data-step={s.id}>
                <title>{`${s.id}（第 ${s.line} 行）：${s.text}`}</title>
                <rect width={W} height={H} rx={6} />
                <text x={8} y={18} class="flow-id">
                  {VERB_LABEL[s.verb] ?? s.verb} · {short(s.id, 14)}
                </text>
                <text x={8} y={36} class="flow-text">
                  {short(s.text, 13)}
                </text>
              </g>
            );
          })}
          {edges.map((e, i) =>
            e.labelAt ? (
              <g key={`l-${e.from}-${e.to}-${i}`} class="flow-label">
                <rect x={e.labelAt.x - (textWidth(e.label) + 8) / 2} y={e.labelAt.y - 8} width={textWidth(e.label) + 8} height={16} rx={3} />
                <text x={e.labelAt.x} y={e.labelAt.y + 3.5} text-anchor="middle">
                  {e.label}
                </text>
              </g>
            ) : null,
          )}
        </svg>
      </div>
    </div>
  );
}
