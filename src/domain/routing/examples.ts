/**
 * The hotline's own labelled past requests (config/routing-examples.jsonl), from which the
 * classifier learns at load time. A county hotline feeds its archive of dispatched tickets here:
 * each line is one request with the unit that finally handled it and whether it was 即办. The file
 * is data edited outside the code (read by adapters/fs-config/routing.ts), so every error names its
 * line, and all are reported at once.
 */
import { invalid } from '../errors.js';

export interface RoutingExample {
  id: string | null;
  text: string;
  /** The unit that handled it (exact name of the duty list). */
  unit: string;
  /** Other units that would also have been a correct dispatch. */
  acceptable: string[];
  /** null: not known (the urgent model skips it, the unit model still learns from it). */
  urgent: boolean | null;
  /** Loss weight in the unit model (default 1): borrowed examples teach a city's model less. */
  weight?: number;
}

export function parseRoutingExamples(jsonl: string, source = 'routing-examples.jsonl'): RoutingExample[] {
  const out: RoutingExample[] = [];
  const errors: string[] = [];
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `第 ${i + 1} 行`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      errors.push(`${where}: 不是有效的 JSON`);
      return;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      errors.push(`${where}: 应为对象 {text, unit, urgent}`);
      return;
    }
    const r = raw as Record<string, unknown>;
    if (typeof r.text !== 'string' || r.text.trim() === '') errors.push(`${where}: text 应为非空文字`);
    if (typeof r.unit !== 'string' || r.unit.trim() === '') errors.push(`${where}: unit 应为单位名`);
    const acceptable = r.acceptable ?? [];
    if (!Array.isArray(acceptable) || !acceptable.every((a) => typeof a === 'string')) errors.push(`${where}: acceptable 应为单位名列表`);
    const urgent = r.urgent ?? null;
    if (urgent !== null && typeof urgent !== 'boolean') errors.push(`${where}: urgent 应为 true/false`);
    if (r.id !== undefined && r.id !== null && typeof r.id !== 'string') errors.push(`${where}: id 应为文字`);
    if (typeof r.text === 'string' && typeof r.unit === 'string' && Array.isArray(acceptable)) {
      out.push({
        id: typeof r.id === 'string' ? r.id : null,
        text: r.text,
        unit: r.unit.trim(),
        acceptable: (acceptable as string[]).map((a) => a.trim()),
        urgent: typeof urgent === 'boolean' ? urgent : null,
      });
    }
  });
  if (errors.length > 0) {
    throw invalid('routing_examples_invalid', `分派样本 ${source} 有 ${errors.length} 处错误:\n${errors.join('\n')}`, { errors });
  }
  return out;
}
