/**
 * Demo data for the 网格员, 市长热线日 and media pages: a grid worker's patrol report, a ticket the
 * hotline office handed to the grid worker, a 市长热线日 agenda with a 联席会议 item and the units'
 * positions, and a closed ticket chosen for the 市融媒体中心. Idempotent: the tickets have source
 * keys, and the agenda is made only when there is none.
 */
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/tickets/ticket.js';
import { toPrincipal } from '../auth.js';
import type { HotspotService } from '../hotspots/service.js';
import type { StateStore } from '../ports/misc.js';
import type { TicketStore } from '../ports/tickets.js';
import type { UserStore } from '../ports/users.js';
import { MAYOR_DAY_SCOPE, type MayorDayService } from '../supervision/mayor-day.js';
import type { TicketService } from '../tickets/service.js';
import type { GridService } from './service.js';
import type { MediaService } from './media.js';

export interface GridDemoDeps {
  tickets: TicketService;
  ticketStore: TicketStore;
  users: UserStore;
  grid: GridService;
  media: MediaService;
  mayorDay: MayorDayService;
  hotspots: HotspotService;
  state: StateStore;
  clock: Clock;
}

const DEMO_NOTE = '演示数据';

export async function seedGridDemo(d: GridDemoDeps): Promise<{ seeded: string[] }> {
  const gridUser = await d.users.byName('grid');
  const sup = await d.users.byName('supervisor');
  if (!gridUser || !sup || gridUser.role !== 'grid') return { seeded: [] };
  const worker = toPrincipal(gridUser);
  const office = toPrincipal(sup);
  const officeActor: Actor = { id: office.id, role: office.role, name: office.name };
  const seeded: string[] = [];
  const intake = (key: string, content: string, unit: string, contact: string, contactName: string, township: string | null = null) =>
    d.tickets.intake({ channel: 'phone', content, unit, contact, contactName, township, sourceKey: `demo:grid:${key}`, notes: [DEMO_NOTE] }, officeActor, 'demo');

  // 1. A patrol report with the grid worker's position.
  const report = await d.grid.report(worker, { content: '红都大道与绵江路交叉口东侧人行道井盖缺失，已临时放置警示桶', location: { lat: 25.8857, lng: 116.0271, accuracy: 15 }, place: '红都大道与绵江路交叉口', idempotencyKey: 'demo-grid-report-1' });
  if (report.created) seeded.push(`网格员上报 ${report.ticket.number}`);

  // 2. A ticket of 象湖镇 handed to the grid worker to check on the spot.
  const handed = await intake('handed-1', '象湖镇红都社区3栋后面垃圾堆放多日无人清运，气味很大', '象湖镇', '13800005678', '陈女士', '象湖镇');
  if (!handed.ticket.grid) {
    await d.grid.assign(office, handed.ticket.id, gridUser.id, '请到现场核实垃圾堆放情况');
    seeded.push(`交网格员 ${handed.ticket.number}`);
  }

  // 3. A 市长热线日 agenda with a matter the 联席会议 could not decide.
  if (!(await d.state.list(MAYOR_DAY_SCOPE, d.clock.now())).length) {
    const a = await intake('mayor-1', '金都花园小区二次供水设施老化，停水三天，物业说归供水公司管', '润泉供水公司', '13800001234', '刘先生');
    const b = await intake('mayor-2', '金都花园停水，问了物业和供水公司都说不归自己管', '市住建局', '13800004321', '王先生');
    await d.hotspots.addToJointMeeting(officeActor, { ticketIds: [a.ticket.id, b.ticket.id], note: '二次供水设施产权和维护职责不清' });
    const key = (await d.mayorDay.candidates(office)).find((c) => c.ticketIds.includes(a.ticket.id))?.key;
    const next = new Date(d.clock.now().getTime() + 8 * 3600_000 + 7 * 86400_000).toISOString().slice(0, 10);
    const agenda = await d.mayorDay.createAgenda(office, { date: next, title: `${next} 市长热线日（演示）` });
    if (key) {
      const item = await d.mayorDay.addItem(office, { jointMeetingKey: key, agendaId: agenda.id, note: '联席会议未能明确责任单位' });
      await d.mayorDay.setPosition(office, agenda.id, item.id, { unit: '润泉供水公司', position: '二次供水设施属小区业主共有，维护应由物业负责' });
      await d.mayorDay.setPosition(office, agenda.id, item.id, { unit: '市住建局', position: '未移交的二次供水设施应由供水企业统一管理' });
    }
    seeded.push(`市长热线日 ${agenda.date}`);
  }

  // 4. A closed ticket chosen for the 市融媒体中心.
  const pub = await intake('media-1', '我叫赵六，家住象湖镇红都大道88号，楼下路灯坏了一个星期，晚上出门不方便，电话13800008888', '市城管局', '13800008888', '赵六', '象湖镇');
  if (pub.ticket.state === 'dispatched') {
    const unitActor: Actor = { id: 'demo-unit', role: 'unit', name: '市城管局值班员', unit: '市城管局' };
    await d.tickets.apply(pub.ticket.id, unitActor, 'demo', () => [{ type: 'signed' }]);
    await d.tickets.apply(pub.ticket.id, unitActor, 'demo', () => [{ type: 'replied', reply: '已于当日更换红都大道88号附近损坏的路灯，恢复照明' }]);
    await d.tickets.apply(pub.ticket.id, officeActor, 'demo', (t) => d.tickets.followUpEvents({ satisfaction: '满意', solved: true, via: 'phone' }, false, t.state));
  }
  const closed = await d.ticketStore.get(pub.ticket.id);
  if (closed?.state === 'closed' && !closed.publication) {
    await d.media.publish(office, closed.id, { headline: '路灯坏了一周，城管当天修复', summary: '市民反映红都大道路灯损坏，市城管局接单当日更换，回访满意。' });
    seeded.push(`媒体选登 ${closed.number}`);
  }
  return { seeded };
}
