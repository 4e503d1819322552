/**
 * Demo data for 协办, 应急联动 and 现场处置: a ticket led by 市住建局 with two 协办 units (one has
 * answered its part), and a 即办 road collapse with an 事故灾难 联动 whose lead unit recorded who it
 * sent (their arrival is left for the demo user: 登记到达, or an SMS 「到达」 from the duty phone). Idempotent: the tickets have source keys, and each step is skipped once done.
 */
import type { Principal } from '../../domain/policy.js';
import type { Actor } from '../../domain/tickets/ticket.js';
import { toPrincipal } from '../auth.js';
import type { UserStore } from '../ports/users.js';
import type { AssistService } from './assist.js';
import type { TicketService } from './service.js';

export interface AssistDemoDeps {
  tickets: TicketService;
  assist: AssistService;
  users: UserStore;
  unitNames: Set<string>;
  clock: { now(): Date };
}

const DEMO_NOTE = '演示数据';

export async function seedAssistDemo(d: AssistDemoDeps): Promise<{ seeded: string[] }> {
  const user = (await d.users.byName('operator')) ?? (await d.users.byName('supervisor'));
  const needed = ['市住建局', '润泉供水公司', '市城管局', '市应急管理局', '市公安局'];
  if (!user || needed.some((u) => !d.unitNames.has(u))) return { seeded: [] };
  const office: Principal = toPrincipal(user);
  const by: Actor = { id: office.id, role: office.role, name: office.name };
  const seeded: string[] = [];
  const unitActor = (unit: string, name: string): Actor => ({ id: `demo:${unit}`, role: 'unit', name, unit });

  // 1. 协办: 市住建局 leads; 润泉供水公司 has answered its part, 市城管局 has not signed yet.
  const a = await d.tickets.intake(
    { channel: 'phone', content: '金都花园小区门口道路开挖后一直没有回填，自来水管露在外面还在漏水，晚上路过很危险', unit: '市住建局', category: '投诉', contact: '13800006789', contactName: '黄先生', place: '金都花园小区门口', sourceKey: 'demo:assist:1', notes: [DEMO_NOTE] },
    by,
    'demo',
  );
  if (!a.ticket.assists.length) {
    await d.assist.add(office, a.ticket.id, ['润泉供水公司', '市城管局'], '供水管道抢修与路面占道分别由供水公司、城管局协办');
    await d.tickets.apply(a.ticket.id, unitActor('润泉供水公司', '王磊'), 'console', () => [{ type: 'assist_signed', unit: '润泉供水公司' }]);
    await d.tickets.apply(a.ticket.id, unitActor('润泉供水公司', '王磊'), 'console', () => [{ type: 'assist_replied', unit: '润泉供水公司', reply: '已关闭上游阀门，漏水管段已更换，待住建局组织回填' }]);
    seeded.push(`协办 ${a.ticket.number}`);
  }

  // 2. 应急联动 for a road collapse; the lead unit has sent its people.
  const b = await d.tickets.intake(
    { channel: 'phone', content: '红都大道与绵江路路口路面塌陷，一辆小车陷进去了，人还在车里，请赶快来人', unit: '市城管局', category: '求助', urgent: true, contact: '13800007890', contactName: '林女士', place: '红都大道与绵江路交叉口', sourceKey: 'demo:assist:2', notes: [DEMO_NOTE] },
    by,
    'demo',
  );
  if (!b.ticket.emergencyType) {
    await d.assist.startLinkage(office, b.ticket.id, '事故灾难', '路面塌陷，车辆被困');
    const lead = unitActor('市城管局', '张伟');
    const now = d.clock.now();
    await d.tickets.apply(b.ticket.id, lead, 'console', (t) => [
      ...(t.state === 'dispatched' ? [{ type: 'signed' as const }] : []),
      { type: 'onsite_dispatched', unit: '市城管局', sentAt: now.toISOString(), people: ['张伟', '刘洋', '陈静'], count: 3, equipment: ['抢险车', '警示锥', '照明灯'], note: DEMO_NOTE },
    ]);
    seeded.push(`应急联动 ${b.ticket.number}`);
  }
  return { seeded };
}
