import t from 'tap';
import { testApp } from '../../helpers/app.js';
import { seed } from '../../../src/application/seed.js';
import { seedAssistDemo } from '../../../src/application/tickets/assist-demo.js';

t.test('the demo shows a 协办 ticket and an 应急联动 with 现场处置; seeding twice changes nothing', async (t) => {
  const h = await testApp(t);
  await seed(h.ctx, true);
  const first = await seedAssistDemo(h.ctx);
  t.equal(first.seeded.length, 2, first.seeded.join(','));
  const { items } = await h.ctx.ticketStore.list({}, { limit: 50 });
  const assisted = items.find((x) => x.unit === '市住建局');
  t.same(assisted?.assists.map((p) => [p.unit, p.state]), [['润泉供水公司', 'replied'], ['市城管局', 'dispatched']]);
  const linked = items.find((x) => x.emergencyType === '事故灾难');
  t.ok(linked, 'a 联动 ticket');
  t.same(linked!.assists.map((p) => p.unit).sort(), ['市交通运输局', '市信访局', '市公安局', '市应急管理局'].sort());
  t.equal(linked!.onSite[0].count, 3);
  const inbox = await h.ctx.tickets.list({ id: 'w', name: 'water', role: 'unit', unit: '润泉供水公司' }, {}, { limit: 50 });
  t.ok(inbox.items.some((x) => x.id === assisted!.id), 'the demo water user finds its 协办 ticket in its inbox');
  const again = await seedAssistDemo(h.ctx);
  t.same(again.seeded, []);
  t.equal((await h.ctx.ticketStore.list({}, { limit: 50 })).items.length, items.length);
});
