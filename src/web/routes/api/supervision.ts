import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf, DECIDER_ROLES, OFFICE_ROLES } from '../../../domain/policy.js';
import { errors, IdParams } from '../../schemas/common.js';
import { ticketView } from '../../views.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type SupervisionRouteDeps = Pick<Container, 'supervision' | 'hotspots' | 'followup' | 'clock'>;

const Subject = {
  alertId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  ticketIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 200 })),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
};

/** 督办 lists, the 通报 list, hotspot alerts, the 联席会议 list and 领导包案. */
const supervision: FastifyPluginAsyncTypebox<SupervisionRouteDeps> = async (app, deps) => {
  const { supervision: sup, hotspots, followup, clock } = deps;
  app.addHook('preValidation', app.requireAuth());

  app.get(
    '/supervision/tickets',
    {
      schema: {
        operationId: 'listSupervisedTickets',
        tags: ['supervision'],
        summary: 'open tickets marked 催办/督办/通报 (units see their own)',
        querystring: Type.Object({ level: Type.Optional(Type.Union([Type.Literal('催办'), Type.Literal('督办'), Type.Literal('通报')])), unit: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Any(), ...errors(401) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const unit = p.role === 'unit' ? (p.unit ?? '\u0000') : req.query.unit;
      const items = await sup.supervised({ level: req.query.level, unit });
      return { items: items.map((t) => ticketView(t, p, clock.now())) };
    },
  );

  app.get('/supervision/notices', { schema: { operationId: 'listNotices', tags: ['supervision'], summary: '通报 list for the hotline office', response: { 200: Type.Any(), ...errors(401, 403) } }, preValidation: app.requireAuth([...OFFICE_ROLES]) }, async () => ({
    items: await sup.notices(),
  }));

  app.get(
    '/supervision/decisions',
    { schema: { operationId: 'listPendingDecisions', tags: ['supervision'], summary: '延期 requests and 退单 waiting for a decision', response: { 200: Type.Any(), ...errors(401, 403) } }, preValidation: app.requireAuth([...OFFICE_ROLES]) },
    async (req) => {
      const d = await sup.pendingDecisions();
      const v = (ts: typeof d.returns) => ts.map((t) => ticketView(t, req.principal!, clock.now()));
      return { extensions: v(d.extensions), returns: v(d.returns) };
    },
  );

  app.post('/supervision/sweep', { schema: { operationId: 'runSupervisionSweep', tags: ['supervision'], summary: 'run the 督办 sweep now', response: { 200: Type.Any(), ...errors(401, 403) } }, preValidation: app.requireAuth([...DECIDER_ROLES]) }, async () => sup.sweep());

  app.get(
    '/supervision/followup/:id',
    { schema: { operationId: 'getFollowupProgress', tags: ['supervision'], summary: '回访 progress of a ticket (attempts, SMS, WeChat)', params: IdParams, response: { 200: Type.Any(), ...errors(401, 403, 404) } }, preValidation: app.requireAuth([...OFFICE_ROLES]) },
    async (req) => ({ followup: await followup.status(req.params.id) }),
  );

  app.get(
    '/supervision/hotspots',
    {
      schema: {
        operationId: 'listHotspots',
        tags: ['hotspots'],
        summary: '研判预警: spikes on one matter or place, recurring 重办',
        querystring: Type.Object({ status: Type.Optional(Type.Union(['open', 'joint_meeting', 'assigned', 'dismissed'].map((s) => Type.Literal(s)))) }),
        response: { 200: Type.Any(), ...errors(401, 403) },
      },
      preValidation: app.requireAuth([...OFFICE_ROLES]),
    },
    async (req) => ({ items: await hotspots.alerts({ status: req.query.status as 'open' | undefined }) }),
  );

  app.post('/supervision/hotspots/scan', { schema: { operationId: 'scanHotspots', tags: ['hotspots'], summary: 'look for hotspots now', response: { 200: Type.Any(), ...errors(401, 403) } }, preValidation: app.requireAuth([...DECIDER_ROLES]) }, async () => ({
    raised: await hotspots.scan(),
  }));

  app.post(
    '/supervision/hotspots/:id/dismiss',
    { schema: { operationId: 'dismissHotspot', summary: 'dismiss a hotspot alert', tags: ['hotspots'], params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }), response: { 200: Type.Any(), ...errors(401, 403, 404) } }, preValidation: app.requireAuth([...DECIDER_ROLES]) },
    async (req) => ({ alert: await hotspots.dismiss(req.params.id) }),
  );

  app.get('/supervision/joint-meeting', { schema: { operationId: 'listJointMeeting', tags: ['hotspots'], summary: '联席会议 list', response: { 200: Type.Any(), ...errors(401, 403) } }, preValidation: app.requireAuth([...OFFICE_ROLES]) }, async () => ({
    items: await hotspots.jointMeeting(),
  }));

  app.post(
    '/supervision/joint-meeting',
    { schema: { operationId: 'addJointMeetingItem', tags: ['hotspots'], summary: '列入联席会议 (an alert or chosen tickets)', body: Type.Object(Subject, { additionalProperties: false }), response: { 200: Type.Any(), ...errors(400, 401, 403, 404) } }, preValidation: app.requireAuth([...DECIDER_ROLES]) },
    async (req) => ({ item: await hotspots.addToJointMeeting(actorOf(req.principal!), req.body) }),
  );

  app.get('/supervision/leader-cases', { schema: { operationId: 'listLeaderCases', tags: ['hotspots'], summary: '领导包案 list', response: { 200: Type.Any(), ...errors(401, 403) } }, preValidation: app.requireAuth([...OFFICE_ROLES]) }, async () => ({
    items: await hotspots.leaderCases(),
  }));

  app.post(
    '/supervision/leader-cases',
    {
      schema: {
        operationId: 'createLeaderCase',
        tags: ['hotspots'],
        summary: '领导包案 with a deadline',
        body: Type.Object({ ...Subject, leader: Type.String({ minLength: 1, maxLength: 100 }), deadline: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
        response: { 200: Type.Any(), ...errors(400, 401, 403, 404) },
      },
      preValidation: app.requireAuth([...DECIDER_ROLES]),
    },
    async (req) => ({ case: await hotspots.assignLeader(actorOf(req.principal!), { ...req.body, deadline: new Date(req.body.deadline) }) }),
  );
};

export default supervision;
