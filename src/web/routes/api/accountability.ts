import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { shanghaiInstant, shanghaiParts } from '../../../domain/clock.js';
import { invalid } from '../../../domain/errors.js';
import { DECIDER_ROLES } from '../../../domain/policy.js';
import { addDays } from '../../../domain/sla/dates.js';
import { caseFileXlsx } from '../../../application/accountability/service.js';
import { errors } from '../../schemas/common.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type AccountabilityRouteDeps = Pick<Container, 'accountability' | 'clock' | 'unitNames'>;

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (Shanghai), `to` inclusive' });

/**
 * 问责线索 (supervisor/admin only): 推诿, 虚假办结 and copied replies over a period, and the case
 * file of one unit for the 市纪委监委 (JSON or XLSX; contacts masked unless asked for, audited).
 */
const accountability: FastifyPluginAsyncTypebox<AccountabilityRouteDeps> = async (app, deps) => {
  const { accountability: acc, clock } = deps;
  app.addHook('preValidation', app.requireAuth([...DECIDER_ROLES]));

  /** Default: this month so far. */
  const period = (q: { from?: string; to?: string }) => {
    const today = shanghaiParts(clock.now()).date;
    for (const d of [q.from, q.to]) {
      const at = d ? shanghaiInstant(d) : null;
      if (at && (Number.isNaN(at.getTime()) || shanghaiParts(at).date !== d)) throw invalid('bad_period', `无效的日期：${d} / invalid date`);
    }
    const from = shanghaiInstant(q.from ?? `${today.slice(0, 7)}-01`);
    const to = shanghaiInstant(addDays(q.to ?? today, 1));
    if (!(from.getTime() < to.getTime())) throw invalid('bad_period', '统计区间的开始须早于结束 / from must be before to');
    if (to.getTime() - from.getTime() > 366 * 86_400_000) throw invalid('bad_period', '统计区间不能超过一年 / at most a year');
    return { from, to };
  };

  app.get(
    '/accountability/flags',
    {
      schema: {
        operationId: 'listAccountabilityFlags',
        tags: ['supervision'],
        summary: '问责线索: 推诿 (refused 退单 of the unit’s own matters), 虚假办结 (回访 says unsolved; the same citizen again within 30 days), copied replies — each with its evidence',
        querystring: Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day), unit: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }),
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const p = period(req.query);
      const { flags } = await acc.flags(p, req.query.unit);
      return { period: { from: p.from.toISOString(), to: p.to.toISOString() }, flags };
    },
  );

  app.get(
    '/accountability/case-file',
    {
      schema: {
        operationId: 'getAccountabilityCaseFile',
        tags: ['supervision'],
        summary: 'the case file of one unit and period for the 市纪委监委: summary, flags, tickets, events, 回访 answers (JSON or XLSX; audited; contacts masked unless contacts=full)',
        querystring: Type.Object({
          unit: Type.String({ minLength: 1, maxLength: 64 }),
          from: Type.Optional(Day),
          to: Type.Optional(Day),
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('xlsx')])),
          contacts: Type.Optional(Type.Union([Type.Literal('masked'), Type.Literal('full')])),
        }),
        response: { 200: Type.Any(), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const p = period(req.query);
      if (!deps.unitNames.has(req.query.unit)) throw invalid('unknown_unit', `未知的单位：${req.query.unit} / unknown unit`);
      const who = req.principal!;
      const cf = await acc.caseFile(p, req.query.unit, { id: who.id, name: who.name }, req.query.contacts ?? 'masked');
      if ((req.query.format ?? 'json') === 'json') return { caseFile: cf };
      const name = `问责线索案卷_${req.query.unit}_${shanghaiParts(p.from).date}_${shanghaiParts(new Date(p.to.getTime() - 1)).date}.xlsx`;
      reply.header('content-disposition', `attachment; filename="case-file.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`);
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await caseFileXlsx(cf));
    },
  );
};

export default accountability;
