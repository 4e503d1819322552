import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { SqlKnowledgeStore } from '../../../adapters/db/knowledge-store.js';
import { KnowledgeService } from '../../../src/application/knowledge/service.js';
import { knowledgeAnalyzer } from '../../../adapters/fs-config/knowledge.js';
import { seedKnowledgeDemo } from '../../../src/application/knowledge/demo.js';
import { loadDemoKnowledge } from '../../../adapters/fs-config/demo-data.js';
import { loadUnits } from '../../../adapters/fs-config/units.js';
import { normalizeContent } from '../../../src/domain/knowledge/entry.js';
import { ENGINES, freshDatabase } from '../../helpers/db.js';

t.test('the sample entries are valid, owned by directory units and cover the common matters', async (t) => {
  const demo = loadDemoKnowledge();
  t.ok(demo.length >= 100, `${demo.length} entries`);
  t.equal(new Set(demo.map((d) => d.id)).size, demo.length, 'unique ids');
  const units = new Set(loadUnits().map((u) => u.name));
  for (const d of demo) {
    t.doesNotThrow(() => normalizeContent(d), d.id);
    t.ok(units.has(String(d.unit)), `${d.id}: ${String(d.unit)} is a directory unit`);
  }
  const tags = new Set(demo.flatMap((d) => d.tags as string[]));
  for (const m of ['社保', '医保', '公积金', '户籍', '不动产登记', '教育入学', '交通出行', '营商办事']) t.ok(tags.has(m), m);
});

for (const engine of ENGINES) {
  t.test(`${engine}: the demo seeds the samples approved once, when the base is empty`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const clock = new FakeClock(new Date('2026-12-07T02:00:00Z'));
    const kb = new KnowledgeService({ store: new SqlKnowledgeStore(db), clock, analyzer: () => knowledgeAnalyzer('config/duty-list.yaml'), refreshMs: 0 });
    const first = await seedKnowledgeDemo(kb, clock.now(), () => loadDemoKnowledge());
    t.ok(first.seeded >= 100);
    t.same(await seedKnowledgeDemo(kb, clock.now(), () => loadDemoKnowledge()), { seeded: 0 }, 'not twice');
    const e = await kb.get('gjj-01');
    t.equal(e.state, 'approved');
    t.equal(e.sample, true);
    t.equal((await kb.search('公积金怎么取出来'))[0]?.entryId, 'gjj-01');
  });
}
