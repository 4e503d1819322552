/**
 * An in-memory KnowledgeSearch for the first-contact tests (issue 24): a few entries, a plain
 * overlap score over their keywords, and the uses and misses it was told about. The real search
 * (jieba + BM25) belongs to the knowledge base; these tests are about what the channels do with it.
 */
import type { KnowledgeHit, KnowledgeSearch } from '../../src/application/ports/knowledge.js';

export interface DoubleEntry {
  entryId: string;
  title: string;
  answer: string;
  unit: string | null;
  readable?: boolean;
  /** words that must appear in the question for a hit; confidence = share of them found */
  keywords: string[];
}

export const SAMPLE_ENTRIES: DoubleEntry[] = [
  { entryId: 'kb-sbk', title: '社保卡补办', unit: '市人社局', readable: true, answer: '社保卡丢失可携带身份证到任一社保卡服务网点或通过"赣服通"办理挂失补办，补卡约需7个工作日。', keywords: ['社保卡', '补办'] },
  { entryId: 'kb-gjj', title: '公积金提取材料', unit: '市住房公积金中心', readable: false, answer: '提取住房公积金需身份证、银行卡及购房合同或租房证明，可在公积金中心窗口或网上办理。', keywords: ['公积金', '提取'] },
  { entryId: 'kb-hk', title: '新生儿落户', unit: '市公安局', readable: true, answer: '新生儿落户请携带出生医学证明、父母户口簿和身份证到户籍所在地派出所办理。', keywords: ['新生儿', '落户'] },
];

export class KnowledgeDouble implements KnowledgeSearch {
  readonly confidentAt = 0.75;
  readonly uses: { entryId: string; channel: string; by: string | null; ticketId: string | null; at: Date }[] = [];
  readonly misses: { question: string; channel: string; at: Date }[] = [];
  searches = 0;

  constructor(private readonly entries: DoubleEntry[] = SAMPLE_ENTRIES) {}

  async search(text: string, opts: { limit?: number } = {}): Promise<KnowledgeHit[]> {
    this.searches++;
    const hits: KnowledgeHit[] = [];
    for (const e of this.entries) {
      const matched = e.keywords.filter((k) => text.includes(k));
      if (matched.length === 0) continue;
      const confidence = matched.length / e.keywords.length;
      hits.push({ entryId: e.entryId, title: e.title, answer: e.answer, unit: e.unit, score: matched.length * 3, confidence, readable: !!e.readable, matched });
    }
    return hits.sort((a, b) => b.confidence - a.confidence).slice(0, opts.limit ?? 5);
  }

  async recordUse(entryId: string, use: { channel: string; by: string | null; ticketId: string | null; at: Date }): Promise<void> {
    this.uses.push({ entryId, ...use });
  }

  async recordMiss(question: string, meta: { channel: string; at: Date }): Promise<void> {
    this.misses.push({ question, ...meta });
  }
}
