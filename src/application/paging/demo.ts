/** Demo rosters: a few units and the hotline office with made-up people and numbers (the demo calls them on the simulator). */
import { shanghaiParts } from '../../domain/clock.js';
import { addDays } from '../../domain/sla/dates.js';
import type { RosterInput } from '../../domain/duty/roster.js';
import { HOTLINE_ROSTER, type DutyService } from './duty-service.js';

const DEMO: { unit: string; people: [string, string][] }[] = [
  { unit: '市城管局', people: [['张伟', '13800001001'], ['刘洋', '13800001002'], ['陈静', '13800001003']] },
  { unit: '润泉供水公司', people: [['王磊', '13800002001'], ['李娜', '13800002002']] },
  { unit: '市住建局', people: [['赵敏', '13800003001'], ['孙浩', '13800003002']] },
  { unit: '市公安局', people: [['周强', '13800004001'], ['吴芳', '13800004002'], ['郑军', '13800004003']] },
  { unit: HOTLINE_ROSTER, people: [['热线办值班员甲', '13800009001'], ['热线办值班员乙', '13800009002']] },
];

/**
 * Daily rotations handing over at 08:30 from last week, so someone is on duty now. Units the
 * directory does not know are skipped; a unit that already has a roster is left alone.
 */
export async function seedDemoRosters(ctx: { duty: DutyService; clock: { now(): Date }; unitNames: Set<string> }): Promise<string[]> {
  const start = addDays(shanghaiParts(ctx.clock.now()).date, -7);
  const seeded: string[] = [];
  for (const d of DEMO) {
    if (d.unit !== HOTLINE_ROSTER && !ctx.unitNames.has(d.unit)) continue;
    if (await ctx.duty.roster(d.unit)) continue;
    const members = d.people.map(([name, phone], i) => ({ id: `m${i + 1}`, name, phone }));
    const input: RosterInput = { members, rotation: { period: 'daily', handoff: '08:30', start, order: members.map((m) => m.id), holidays: 'pass' }, leave: [], overrides: [] };
    await ctx.duty.saveRoster(d.unit, input, { id: 'demo', name: '演示数据' });
    seeded.push(d.unit);
  }
  return seeded;
}
