/**
 * `suban classify`: JSON lines in, JSON lines out, for batch re-dispatch and for checking the
 * duty list against past tickets. One output line per non-blank input line, in input order; a
 * bad line yields an error line and the run goes on, so one typo does not lose a night's batch.
 *
 *   in:  {"id": "T1", "text": "解放路水管爆了"}            (optional "title": a message board's subject;
 *        optional "place" or "address": where it is, as the operator or the channel recorded it — 诉求地址)
 *   out: {"id":"T1","unit":"润泉供水公司","category":"求助","urgent":true,"township":"象湖镇","confidence":0.9,
 *         "urgentCheck":false,"needsManualDispatch":false,"suggestions":["润泉供水公司",…],"reasons":[…]}
 *
 * `unit` is the top suggestion also when the ticket would wait for an operator (needsManualDispatch).
 * `urgent` means page now; `urgentCheck` means 待核实 (an operator looks first).
 */
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { Classifier } from '../domain/routing/classifier.js';
import { requestText } from '../domain/routing/request-text.js';
import { createClassifier, loadDutyList } from '../../adapters/fs-config/routing.js';

export async function runClassify(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, classifier: Classifier): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    await write(output, JSON.stringify(classifyLine(line, classifier)) + '\n');
  }
}

function classifyLine(line: string, classifier: Classifier): Record<string, unknown> {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { id: null, error: `不是有效的 JSON:${(e as Error).message}` };
  }
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return { id: null, error: '每行应为 JSON 对象 {"id","text"}' };
  const { id, text, title, place, address } = req as { id?: unknown; text?: unknown; title?: unknown; place?: unknown; address?: unknown };
  if (typeof text !== 'string' || text.trim() === '') return { id: null, error: '缺少 text(诉求内容)' };
  const where = [place, address].find((p): p is string => typeof p === 'string' && p.trim() !== '');
  const c = classifier.classify(requestText({ content: text, title: typeof title === 'string' ? title : null, place: where }));
  return {
    id: typeof id === 'string' || typeof id === 'number' ? id : null,
    unit: c.unit,
    category: c.category,
    urgent: c.urgent,
    township: c.township,
    confidence: c.confidence,
    urgentCheck: c.urgentCheck,
    needsManualDispatch: c.needsManualDispatch,
    suggestions: c.suggestions.map((s) => s.unit),
    reasons: [...c.urgentReasons, ...c.urgentCheckReasons],
  };
}

/** Honour back-pressure so a large batch piped to a slow consumer does not fill memory. */
function write(output: NodeJS.WritableStream, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    output.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

// `npx tsx src/cli/classify.ts [duty-list.yaml] < requests.jsonl`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const classifier = createClassifier(loadDutyList(process.argv[2]));
  runClassify(process.stdin, process.stdout, classifier).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
