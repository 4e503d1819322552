import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ADMIN_ROLES, OFFICE_ROLES } from '../../../domain/policy.js';
import { errors } from '../../schemas/common.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type KpiRulesRouteDeps = Pick<Container, 'kpiRules'>;

const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' });

/**
 * 考核规则: the versioned assessment rules. The office reads them; admins add a version that takes
 * effect from this month or a later one (past months keep their rule). Every save is audited.
 */
const kpiRules: FastifyPluginAsyncTypebox<KpiRulesRouteDeps> = async (app, deps) => {
  const { kpiRules: rules } = deps;

  app.get(
    '/kpi-rules',
    {
      preValidation: app.requireAuth([...OFFICE_ROLES]),
      schema: { operationId: 'listKpiRules', tags: ['stats'], summary: '考核规则: every version (who, when, why, from which month) and the one in force this month', response: { 200: Type.Any(), ...errors(401, 403) } },
    },
    async () => {
      const versions = await rules.versions();
      const month = rules.currentMonth();
      return { month, current: (await rules.forMonth(month)).version, versions };
    },
  );

  app.get(
    '/kpi-rules/month/:month',
    {
      preValidation: app.requireAuth([...OFFICE_ROLES]),
      schema: { operationId: 'getKpiRuleOfMonth', tags: ['stats'], summary: 'the 考核规则 version in force in a month', params: Type.Object({ month: Month }), response: { 200: Type.Any(), ...errors(400, 401, 403) } },
    },
    async (req) => ({ month: req.params.month, rule: await rules.forMonth(req.params.month) }),
  );

  app.post(
    '/kpi-rules',
    {
      preValidation: app.requireAuth([...ADMIN_ROLES]),
      schema: {
        operationId: 'addKpiRuleVersion',
        tags: ['stats'],
        summary: 'add a 考核规则 version from a month on (admin; audited). `rule` holds any part of a rule, laid over the rule in force in that month',
        body: Type.Object(
          {
            effectiveFrom: Month,
            reason: Type.String({ minLength: 1, maxLength: 500 }),
            rule: Type.Optional(Type.Any({ description: '{weights, deductions, scope, formulas} — see src/domain/kpi/assessment.ts' })),
            expectedVersion: Type.Optional(Type.Integer({ minimum: 1 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Any(), ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const v = await rules.save({ effectiveFrom: req.body.effectiveFrom, reason: req.body.reason, rule: req.body.rule }, { id: p.id, name: p.name }, req.body.expectedVersion);
      return reply.code(201).send({ version: v });
    },
  );
};

export default kpiRules;
