/**
 * The demo's sample knowledge base: config/knowledge-demo.jsonl (about 100 entries on 社保, 医保,
 * 公积金, 户籍, 不动产登记, 教育入学, 交通出行, 营商办事 and other common matters, read by
 * adapters/fs-config/demo-data.ts), seeded approved and marked as samples (示例) when the knowledge
 * base is empty, so the desk, the bots and the board show the feature on first start.
 */
import { createEntry, type ContentInput, type KnowledgeActor, type KnowledgeChange } from '../../domain/knowledge/entry.js';
import type { KnowledgeService } from './service.js';

const SYSTEM: KnowledgeActor = { id: 'system', name: '演示数据', role: 'admin', unit: null };

export interface DemoEntry extends ContentInput {
  id: string;
}

/** Seeds the sample entries (ids as in the file) when there are no entries at all; `entries` is read only then. */
export async function seedKnowledgeDemo(kb: KnowledgeService, at: Date, entries: () => readonly DemoEntry[]): Promise<{ seeded: number }> {
  if ((await kb.store.count()) > 0) return { seeded: 0 };
  const changes: { change: KnowledgeChange; expectedVersion: null }[] = entries().map(({ id, ...input }) => ({
    change: createEntry(id, input, SYSTEM, at, { approved: true, sample: true }),
    expectedVersion: null,
  }));
  await kb.applyChanges(changes);
  return { seeded: changes.length };
}
