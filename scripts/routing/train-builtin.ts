/**
 * Rebuilds config/routing-model.json, the unit model Suban ships with, from
 * config/routing-examples.jsonl, config/routing-history.jsonl and the duty list (see
 * src/domain/routing/builtin-model.ts), with the same training as `suban train`: the model's
 * weight against the duty list's phrases is chosen by cross-validation on these examples.
 * Run after editing any of them: `npm run train:builtin`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CityTrainer } from '../../src/application/routing-training/train.js';
import { BUILTIN_MODEL_PATH, builtinTrainingExamples, createClassifier, loadDutyList, loadRoutingExamples } from '../../adapters/fs-config/routing.js';
import { jiebaSegmenter } from '../../adapters/jieba/segmenter.js';
import { serializeRoutingModel, sourceHash } from '../../src/domain/routing/routing-model.js';

const dutyList = loadDutyList();
const examples = builtinTrainingExamples();
const t0 = performance.now();
const model = new CityTrainer(dutyList, { segmenter: jiebaSegmenter, builtinExamples: builtinTrainingExamples }).train(examples, {
  builtinExamples: false,
  source: 'builtin: config/routing-examples.jsonl + config/routing-history.jsonl + duty list',
});
// The built-in model is recognised by what it was trained on (builtin-model.ts).
model.meta.sourceHash = sourceHash(dutyList, examples);
// The 即办 model learns from the shipped examples (not the history, which has no 即办 labels); stored
// here, a start loads it instead of training it.
model.urgency = createClassifier(dutyList, { examples: loadRoutingExamples(), model }).urgencyState() ?? undefined;
const json = serializeRoutingModel(model);
writeFileSync(BUILTIN_MODEL_PATH, json);
console.log(
  `${fileURLToPath(BUILTIN_MODEL_PATH)}: ${examples.length} examples, ${model.unit.classes.length} classes, ${model.unit.vocabularySize} features, 即办 model ${model.urgency?.model?.features.length ?? 0} features, ` +
    `model weight ${model.meta.modelWeight} (long messages ${model.meta.modelWeightLong ?? model.meta.modelWeight}), temperature ${model.unit.temperature}, ${(json.length / 1024).toFixed(0)} KiB, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
