import t from 'tap';
import { testApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/db.js';
import { seed } from '../../src/application/seed.js';
import { seedGridDemo } from '../../src/application/grid/demo.js';
import { toPrincipal } from '../../src/application/auth.js';

for (const engine of ENGINES) {
  t.test(`demo data for 网格员, 市长热线日 and media on ${engine} (idempotent)`, async (t) => {
    const h = await testApp(t, { engine, now: '2026-11-26T02:00:00Z' });
    await seed(h.ctx, true);
    const first = await seedGridDemo(h.ctx);
    t.equal(first.seeded.length, 4, first.seeded.join(' / '));
    const again = await seedGridDemo(h.ctx);
    t.same(again.seeded, [], 'a second run adds nothing');
    const grid = (await h.ctx.users.byName('grid'))!;
    t.match(grid, { role: 'grid', township: '象湖镇', gridArea: '红都社区第3网格' });
    t.equal((await h.ctx.users.byName('media'))!.role, 'media');
    const mine = await h.ctx.grid.mine(toPrincipal(grid));
    t.same(mine.map((x) => x.grid!.status).sort(), ['assigned', 'reported'], 'a patrol report and a ticket handed to the grid worker');
    t.equal(mine.find((x) => x.grid!.status === 'reported')!.channel, 'grid');
    const sup = toPrincipal((await h.ctx.users.byName('supervisor'))!);
    const agendas = await h.ctx.mayorDay.agendas(sup);
    t.equal(agendas.length, 1);
    t.equal(agendas[0]!.items.length, 1);
    t.equal(agendas[0]!.items[0]!.positions.length, 2);
    t.equal(agendas[0]!.items[0]!.tickets.length, 2);
    const published = await h.ctx.media.list(toPrincipal((await h.ctx.users.byName('media'))!));
    t.equal(published.length, 1);
    t.equal(published[0]!.satisfaction, '满意');
    t.notMatch(JSON.stringify(published), /13800008888|赵六|88号/, 'masked');
  });
}
