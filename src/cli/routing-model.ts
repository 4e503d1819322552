/**
 * `suban train` and `suban eval`: a unit model from a city's own history, and how well a model
 * dispatches that history.
 *
 *   suban train --in history.xlsx --out model.json [--seed N] [--no-builtin-examples] [--model-weight W]
 *   suban eval  --in history.csv [--model model.json] [--folds 5] [--json]
 *
 * Both print the import report (rows used, rows skipped and why, unit names that matched no
 * unit: add those to config/unit-aliases.yaml and run again).
 */
import { writeFileSync } from 'node:fs';
import { evaluateDispatch, formatEvalReport } from '../application/routing-training/eval-report.js';
import type { ImportReport } from '../application/routing-training/history-import.js';
import { readHistory } from '../../adapters/fs-config/history-file.js';
import { CityTrainer, dispatchItem, historyExamples } from '../application/routing-training/train.js';
import { createUnitResolver } from '../domain/directory/unit-names.js';
import { systemClock } from '../domain/clock.js';
import type { DutyList } from '../domain/routing/duty-list.js';
import type { RoutingExample } from '../domain/routing/examples.js';
import { serializeRoutingModel } from '../domain/routing/routing-model.js';
import { builtinTrainingExamples, createClassifier, loadDutyList, loadRoutingModel } from '../../adapters/fs-config/routing.js';
import { loadUnitAliases } from '../../adapters/fs-config/unit-aliases.js';
import { jiebaSegmenter } from '../../adapters/jieba/segmenter.js';
import { pinyinHomophones } from '../../adapters/pinyin/phonetics.js';

export interface RoutingCliContext {
  dutyListPath: string;
  threshold: number;
  /** SUBAN_ROUTING_MODEL, used by eval when no --model is given. */
  configuredModel: string;
  out: NodeJS.WritableStream;
  /** The built-in examples `--builtin` adds; default the shipped ones (tests pass a sample). */
  builtinExamples?: () => RoutingExample[];
}

async function loadHistory(path: string, dutyListPath: string, out: NodeJS.WritableStream) {
  const dutyList = loadDutyList(dutyListPath);
  const names = [...dutyList.units.map((u) => u.name), ...dutyList.townships.map((t) => t.name)];
  const resolve = createUnitResolver(names, loadUnitAliases(undefined, names));
  const { rows, report } = await readHistory(path, resolve);
  out.write(formatImportReport(path, report));
  return { dutyList, rows };
}

const trainer = (dutyList: DutyList, ctx: RoutingCliContext) =>
  new CityTrainer(dutyList, { segmenter: jiebaSegmenter, homophones: pinyinHomophones, builtinExamples: ctx.builtinExamples ?? builtinTrainingExamples, clock: systemClock });

export function formatImportReport(path: string, r: ImportReport): string {
  const lines = [
    `${path}: ${r.format}, 列 ${Object.entries(r.columns).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `  行 ${r.rows},采用 ${r.used},跳过 ${r.skipped.length}`,
  ];
  const reasons = new Map<string, number>();
  for (const s of r.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`  跳过 ${n} 行:${reason}`);
  if (r.unmatchedUnits.length > 0) {
    lines.push(`  无法匹配的单位名(可加入 config/unit-aliases.yaml):`);
    for (const u of r.unmatchedUnits.slice(0, 20)) lines.push(`    ${u.name} × ${u.count}`);
  }
  return lines.join('\n') + '\n';
}

export async function runTrain(args: { in: string; out: string; seed?: number; builtinExamples: boolean; modelWeight?: number }, ctx: RoutingCliContext): Promise<void> {
  const { dutyList, rows } = await loadHistory(args.in, ctx.dutyListPath, ctx.out);
  const history = historyExamples(rows);
  if (history.length === 0) throw new Error(`${args.in}: 没有可用于训练的行(需要能匹配到单位的承办单位)`);
  const onlyCategory = rows.length - history.length;
  if (onlyCategory > 0) ctx.out.write(`  ${onlyCategory} 行只有类别、没有单位:不用于单位模型\n`);
  const t0 = performance.now();
  const model = trainer(dutyList, ctx).train(history, { seed: args.seed, builtinExamples: args.builtinExamples, modelWeight: args.modelWeight, source: args.in });
  writeFileSync(args.out, serializeRoutingModel(model));
  ctx.out.write(
    `模型已写入 ${args.out}: ${history.length} 条历史工单, ${model.unit.classes.length} 类, ${model.unit.vocabularySize} 特征, ` +
      `模型权重 ${model.meta.modelWeight}(长文本 ${model.meta.modelWeightLong ?? model.meta.modelWeight}), 温度 ${model.unit.temperature}, ${((performance.now() - t0) / 1000).toFixed(1)} s\n` +
      `使用:SUBAN_ROUTING_MODEL=${args.out} 或 suban classify --model ${args.out}\n`,
  );
}

export async function runEval(args: { in: string; model?: string; folds?: number; json: boolean; seed?: number; builtinExamples: boolean }, ctx: RoutingCliContext): Promise<void> {
  const { dutyList, rows } = await loadHistory(args.in, ctx.dutyListPath, ctx.out);
  const history = historyExamples(rows);
  let items;
  let what: string;
  if (args.folds && args.folds > 1) {
    items = trainer(dutyList, ctx).crossValidate(history, args.folds, { seed: args.seed, builtinExamples: args.builtinExamples }, ctx.threshold);
    what = `${args.folds} 折交叉验证(每折用 suban train 同样的训练)`;
  } else {
    const modelPath = args.model ?? ctx.configuredModel;
    const c = createClassifier(dutyList, { threshold: ctx.threshold, ...(modelPath ? { model: loadRoutingModel(modelPath) } : {}) });
    items = history.map((e) => dispatchItem(c, e));
    what = modelPath ? `模型 ${modelPath}` : '内置模型';
  }
  const result = evaluateDispatch(items);
  if (args.json) ctx.out.write(JSON.stringify(result) + '\n');
  else ctx.out.write(`${what}\n${formatEvalReport(result)}\n`);
}
