import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { shanghaiInstant, shanghaiParts } from '../../../domain/clock.js';
import { invalid } from '../../../domain/errors.js';
import { OFFICE_AND_UNIT_ROLES, type Principal } from '../../../domain/policy.js';
import { addDays } from '../../../domain/sla/dates.js';
import { RANKING_COLUMNS, RATE_GROUPS, rateColumns, ratesBoard, toCsv, toXlsx, type Column, type RateGroup } from '../../../application/supervision/rates-report.js';
import { followupCoverage } from '../../../domain/kpi/followup-coverage.js';
import { assessmentBoard, assessmentColumns } from '../../../application/supervision/kpi-rules.js';
import { errors, literals } from '../../schemas/common.js';
import { placesReport, rateTrend, TREND_INTERVALS } from '../../../application/supervision/trends.js';
import { PlacesAnswer, TrendAnswer } from '../../../contracts/stats.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type StatsRouteDeps = Pick<Container, 'ticketStore' | 'clock' | 'kpi' | 'kpiRules' | 'unitNames' | 'isMirrorChannel' | 'config'>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')]));
/** The query of the boards over one month (考核), read by monthBoard. */
const MonthQuery = Type.Object({ month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })), format: Format });
/** The query of every board over a period, read by periodOf. */
const PeriodQuery = {
  from: Type.Optional(Type.String({ maxLength: 40, description: 'YYYY-MM-DD (a Shanghai day) or an ISO instant; default the 1st of this month' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'YYYY-MM-DD (inclusive) or an ISO instant; default now' })),
};

/** `YYYY-MM-DD` is a Shanghai day (`to` inclusive); anything else must be an ISO instant. */
function parseBound(s: string | undefined, end: boolean): Date | null {
  if (!s) return null;
  if (DATE.test(s)) return shanghaiInstant(end ? addDays(s, 1) : s);
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw invalid('bad_period', `无效的日期：${s}（应为 YYYY-MM-DD 或 ISO 时间）`);
  return d;
}

/** The period [from, to) a board covers: the query's bounds, by default this month up to now. */
function periodOf(query: { from?: string; to?: string }, now: Date): { from: Date; to: Date } {
  const from = parseBound(query.from, false) ?? shanghaiInstant(`${shanghaiParts(now).date.slice(0, 7)}-01`);
  const to = parseBound(query.to, true) ?? new Date(now.getTime() + 1);
  if (!(from.getTime() < to.getTime())) throw invalid('bad_period', '统计区间的开始须早于结束');
  return { from, to };
}

/** Units see their own unit's figures only; the hotline office sees every row. */
const visible = (p: Principal, key: string) => p.role !== 'unit' || key === p.unit;

async function send<R>(reply: FastifyReply, format: 'csv' | 'xlsx', columns: Column<R>[], rows: R[], name: string) {
  const file = encodeURIComponent(`${name}.${format}`);
  reply.header('content-disposition', `attachment; filename="export.${format}"; filename*=UTF-8''${file}`);
  if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(columns, rows));
  return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(columns, rows, name.slice(0, 31)));
}

/** 三率 board and monthly ranking, as JSON or exported as CSV/XLSX with Chinese headers. */
const stats: FastifyPluginAsyncTypebox<StatsRouteDeps> = async (app, deps) => {
  const { ticketStore, clock, kpi, kpiRules, unitNames, isMirrorChannel, config } = deps;
  app.addHook('preValidation', app.requireAuth([...OFFICE_AND_UNIT_ROLES]));

  /**
   * A month's 考核 board (this month by default) under the rule of that month (考核规则: which
   * tickets count, the formulas, weights and deductions), the rows the principal may see: the
   * ranking and the assessment are two views of it.
   */
  async function monthBoard(p: Principal, asked: string | undefined) {
    const now = clock.now();
    const month = asked ?? shanghaiParts(now).date.slice(0, 7);
    const rule = await kpiRules.forMonth(month);
    const board = await assessmentBoard(ticketStore, month, rule, now, isMirrorChannel);
    return { month, rule, rows: board.rows.filter((r) => visible(p, r.key)) };
  }

  app.get(
    '/stats/rates',
    {
      schema: {
        operationId: 'getRates',
        tags: ['stats'],
        summary: '三率: 受理量, 响应率, 办结率, 解决率, 满意率, 重办, 超期 … per unit/township/channel/city over [from, to]',
        querystring: Type.Object({
          ...PeriodQuery,
          groupBy: Type.Optional(Type.Union(RATE_GROUPS.map((g) => Type.Literal(g)))),
          format: Format,
        }),
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const now = clock.now();
      const { from, to } = periodOf(req.query, now);
      // A unit's own row is what it may see, whatever grouping it asked for.
      const group: RateGroup = p.role === 'unit' ? 'unit' : (req.query.groupBy ?? 'unit');
      const rows = (await ratesBoard(ticketStore, { from, to }, group, kpi, now)).filter((r) => visible(p, r.key));
      const format = req.query.format ?? 'json';
      if (format !== 'json') {
        const label = (d: Date) => shanghaiParts(d).date;
        return send(reply, format, rateColumns(group), rows, `三率统计_${label(from)}_${label(new Date(to.getTime() - 1))}`);
      }
      return { period: { from: from.toISOString(), to: to.toISOString() }, groupBy: group, rows: rows.map((r) => ({ ...r.figures, key: r.key, label: r.label, decisions: r.decisions })) };
    },
  );

  app.get(
    '/stats/trend',
    {
      schema: {
        operationId: 'getRateTrend',
        tags: ['stats'],
        summary: '三率 over time: 受理量, 响应率, 办结率, 满意率 per week or month (the last `periods`, the running one up to today), for the city or one unit; the same KPI functions as /stats/rates',
        querystring: Type.Object({
          interval: Type.Optional(literals([...TREND_INTERVALS])),
          periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 104 })),
          unit: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a unit; absent: the whole city (a unit user always gets its own unit)' })),
        }),
        response: { 200: TrendAnswer, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const interval = req.query.interval ?? 'week';
      const unit = p.role === 'unit' ? p.unit : (req.query.unit ?? null);
      if (p.role === 'unit' && !unit) throw invalid('no_unit', '账号未关联承办单位');
      if (unit && !unitNames.has(unit)) throw invalid('unknown_unit', `未知的承办单位:${unit}`);
      const count = req.query.periods ?? (interval === 'week' ? 12 : 6);
      const points = await rateTrend(ticketStore, { interval, count, unit, config: kpi, now: clock.now() });
      return { interval, unit, points };
    },
  );

  app.get(
    '/stats/places',
    {
      schema: {
        operationId: 'getPlaces',
        tags: ['stats'],
        summary: '热点分布: tickets created over [from, to] per township, and those with coordinates (Open311, WeChat locations) as map points; the map tiles setting',
        querystring: Type.Object(PeriodQuery),
        response: { 200: PlacesAnswer, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const now = clock.now();
      const { from, to } = periodOf(req.query, now);
      const report = await placesReport(ticketStore, { from, to, unit: p.role === 'unit' ? (p.unit ?? '') : null, config: kpi, now });
      const tiles = config.mapTiles;
      return { period: { from: from.toISOString(), to: to.toISOString() }, ...report, tiles: tiles.url ? { url: tiles.url, attribution: tiles.attribution } : null };
    },
  );

  app.get(
    '/stats/ranking',
    {
      schema: {
        operationId: 'getRanking',
        tags: ['stats'],
        summary: '月度排名 of units by composite score (响应率, 按期办结率, 解决率, 满意率)',
        querystring: MonthQuery,
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const { month, rule, rows } = await monthBoard(req.principal!, req.query.month);
      const format = req.query.format ?? 'json';
      if (format !== 'json') return send(reply, format, RANKING_COLUMNS, rows, `月度排名_${month}`);
      return { month, rule: { version: rule.version, effectiveFrom: rule.effectiveFrom }, rows };
    },
  );

  app.get(
    '/stats/assessment',
    {
      schema: {
        operationId: 'getAssessment',
        tags: ['stats'],
        summary: '综合考核: each unit’s month under that month’s 考核规则 — total score, each rate with its weight and points, each deduction with its count and points (JSON, CSV, XLSX)',
        querystring: MonthQuery,
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const { month, rule, rows } = await monthBoard(req.principal!, req.query.month);
      const format = req.query.format ?? 'json';
      if (format !== 'json') return send(reply, format, assessmentColumns(), rows, `综合考核_${month}_规则v${rule.version}`);
      return { month, rule, rows: rows.map((r) => ({ rank: r.rank, unit: r.key, accepted: r.figures.accepted, ...r.assessment })) };
    },
  );

  app.get(
    '/stats/followup-coverage',
    {
      schema: {
        operationId: 'getFollowupCoverage',
        tags: ['stats'],
        summary: '回访 coverage: 回访 followed up / due over [from, to] (city and per unit); the board shows it beside the rates',
        querystring: Type.Object(PeriodQuery),
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const now = clock.now();
      const { from, to } = periodOf(req.query, now);
      const histories = (await ticketStore.eventsForPeriod(from, to)).values();
      const all = followupCoverage(histories, { from, to }, new Date(now.getTime() + 1));
      const city = all.get('全市')!;
      const units = [...all.values()].filter((r) => r.key !== '全市' && visible(p, r.key)).sort((a, b) => a.key.localeCompare(b.key, 'zh'));
      return { period: { from: from.toISOString(), to: to.toISOString() }, city: p.role === 'unit' ? null : city, units };
    },
  );
};

export default stats;
