/**
 * The figures of answering on the first contact (issue 24, item 5): 一次性答复率 per channel,
 * operator and period (JSON, CSV, XLSX), the questions that found no entry grouped into a to-do
 * list per unit, and the most used entries.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OFFICE_AND_UNIT_ROLES, OFFICE_ROLES } from '../../../domain/policy.js';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { shanghaiInstant, shanghaiParts } from '../../../domain/clock.js';
import { invalid } from '../../../domain/errors.js';
import { FIRST_CONTACT_GROUPS, firstContactFigures, groupMisses, type FirstContactGroup, type FirstContactRow } from '../../../domain/kpi/first-contact.js';
import { addDays } from '../../../domain/sla/dates.js';
import { toCsv, toXlsx, type Column } from '../../../application/supervision/rates-report.js';
import { errors } from '../../schemas/common.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type FirstContactRouteDeps = Pick<Container, 'ticketStore' | 'clock' | 'knowledge' | 'classifier' | 'segmenter'>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')]));
const Period = { from: Type.Optional(Type.String({ maxLength: 40 })), to: Type.Optional(Type.String({ maxLength: 40 })) };

function bound(s: string | undefined, end: boolean): Date | null {
  if (!s) return null;
  if (DATE.test(s)) return shanghaiInstant(end ? addDays(s, 1) : s);
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw invalid('bad_period', `无效的日期：${s}（应为 YYYY-MM-DD 或 ISO 时间）`);
  return d;
}

/** [from, to): by default this month up to now. */
function period(q: { from?: string; to?: string }, now: Date): { from: Date; to: Date } {
  const from = bound(q.from, false) ?? shanghaiInstant(`${shanghaiParts(now).date.slice(0, 7)}-01`);
  const to = bound(q.to, true) ?? new Date(now.getTime() + 1);
  if (!(from.getTime() < to.getTime())) throw invalid('bad_period', '统计区间的开始须早于结束');
  return { from, to };
}

const GROUP_HEADER: Record<FirstContactGroup, string> = { city: '范围', channel: '渠道', operator: '答复人', day: '日期', month: '月份' };

export const firstContactColumns = (group: FirstContactGroup): Column<FirstContactRow>[] => [
  { header: GROUP_HEADER[group], kind: 'text', value: (r) => r.label },
  { header: '咨询受理量', kind: 'int', value: (r) => r.consultations },
  { header: '一次性答复量', kind: 'int', value: (r) => r.answered },
  { header: '一次性答复率', kind: 'rate', value: (r) => r.rate },
  { header: '答复后重办', kind: 'int', value: (r) => r.reopened },
];

async function send<R>(reply: FastifyReply, format: 'csv' | 'xlsx', columns: Column<R>[], rows: R[], name: string) {
  const file = encodeURIComponent(`${name}.${format}`);
  reply.header('content-disposition', `attachment; filename="export.${format}"; filename*=UTF-8''${file}`);
  if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(columns, rows));
  return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(columns, rows, name.slice(0, 31)));
}

const firstContact: FastifyPluginAsyncTypebox<FirstContactRouteDeps> = async (app, deps) => {
  const { ticketStore, clock } = deps;

  app.get(
    '/stats/first-contact',
    {
      schema: {
        operationId: 'getFirstContactRates',
        tags: ['stats'],
        summary: '一次性答复率: 咨询 answered on the first contact / 咨询 received, per channel, operator, day or month (JSON, CSV, XLSX)',
        querystring: Type.Object({ ...Period, groupBy: Type.Optional(Type.Union(FIRST_CONTACT_GROUPS.map((g) => Type.Literal(g)))), format: Format }),
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
      preValidation: app.requireAuth([...OFFICE_ROLES]),
    },
    async (req, reply) => {
      const now = clock.now();
      const p = period(req.query, now);
      const group = (req.query.groupBy ?? 'channel') as FirstContactGroup;
      const { rows, total } = firstContactFigures((await ticketStore.eventsForPeriod(p.from, p.to)).values(), p, group);
      const format = req.query.format ?? 'json';
      if (format !== 'json') {
        const label = (d: Date) => shanghaiParts(d).date;
        return send(reply, format, firstContactColumns(group), group === 'city' ? [total] : [...rows, total], `一次性答复率_${label(p.from)}_${label(new Date(p.to.getTime() - 1))}`);
      }
      return { period: { from: p.from.toISOString(), to: p.to.toISOString() }, groupBy: group, rows, total };
    },
  );

  app.get(
    '/answers/misses',
    {
      schema: {
        operationId: 'listAnswerMisses',
        tags: ['answers'],
        summary: '知识库待补充: the questions that found no (confident) entry, grouped by their telling terms, per unit (a unit sees its own)',
        querystring: Type.Object({ ...Period, unit: Type.Optional(Type.String({ maxLength: 64 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 2000 })) }),
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
      preValidation: app.requireAuth([...OFFICE_AND_UNIT_ROLES]),
    },
    async (req) => {
      const principal = req.principal!;
      const p = period(req.query, clock.now());
      const misses = await deps.knowledge.store.misses({ ...p, limit: req.query.limit ?? 2000 });
      const units = new Map<string, string | null>();
      for (const m of misses) {
        if (units.has(m.question)) continue;
        const c = await deps.classifier.classify(m.question);
        units.set(m.question, c.needsManualDispatch ? null : c.unit);
      }
      const want = principal.role === 'unit' ? principal.unit : req.query.unit;
      const groups = groupMisses(misses, (text) => deps.segmenter.cut(text), (q) => units.get(q) ?? null).filter((g) => want === undefined || g.unit === want);
      const byUnit = new Map<string, number>();
      for (const g of groups) byUnit.set(g.unit ?? '', (byUnit.get(g.unit ?? '') ?? 0) + g.count);
      return {
        period: { from: p.from.toISOString(), to: p.to.toISOString() },
        questions: groups.reduce((n, g) => n + g.count, 0),
        units: [...byUnit].map(([unit, count]) => ({ unit: unit || null, count })).sort((a, b) => b.count - a.count),
        groups,
      };
    },
  );

  app.get(
    '/answers/top-entries',
    {
      schema: {
        operationId: 'listTopAnswerEntries',
        tags: ['answers'],
        summary: 'The most used knowledge-base entries (answers read at the desk, by the bots and the IVR) over [from, to]',
        querystring: Type.Object({ ...Period, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
      preValidation: app.requireAuth([...OFFICE_ROLES]),
    },
    async (req) => {
      const p = period(req.query, clock.now());
      const items = await deps.knowledge.store.topUses({ ...p, limit: req.query.limit ?? 20 });
      return { period: { from: p.from.toISOString(), to: p.to.toISOString() }, items };
    },
  );
};

export default firstContact;
