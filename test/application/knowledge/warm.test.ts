import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { KnowledgeService } from '../../../src/application/knowledge/service.js';
import { Analyzer, Synonyms } from '../../../src/application/knowledge/text-index.js';
import { plainSegmenter } from '../../../adapters/jieba/segmenter.js';
import type { KnowledgeStore } from '../../../src/application/ports/knowledge.js';

/** An analyzer whose first reading of a text costs 2 ms of CPU, like jieba over a long answer. */
class SlowAnalyzer extends Analyzer {
  override terms(text: string) {
    const until = performance.now() + 2;
    while (performance.now() < until);
    return super.terms(text);
  }
}

t.test('building the index yields to the event loop: a large knowledge base does not stop the server', async (t) => {
  const entries = Array.from({ length: 30 }, (_, i) => ({
    id: `e${i}`,
    published: { title: `社保卡补办第${i}问`, variants: [`社保卡丢了怎么办${i}`], answer: `携带身份证到社保窗口办理${i}`, unit: '市人社局', readable: true },
  }));
  const store = { revision: async () => 1, published: async () => entries } as unknown as KnowledgeStore;
  const kb = new KnowledgeService({ store, clock: new FakeClock(new Date('2026-12-07T08:00:00Z')), analyzer: () => new SlowAnalyzer(plainSegmenter, new Synonyms()) });
  let ranBetween = 0;
  let done = false;
  // Callbacks queued while the index is being built must run before it is finished.
  const tick = () => {
    if (done) return;
    ranBetween++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const warming = kb.warm().then(() => (done = true));
  await warming;
  t.ok(ranBetween >= 3, `the event loop ran ${ranBetween} times while 90 fields (180 ms of analysis) were read`);
});
