/**
 * What a set written by another hand is worth as training data, and how the shipped training
 * dispatches a set it has not seen: trains the built-in model (unit and 即办) on the shipped
 * examples minus one fixture set, with the shipped weights, and scores that set.
 *
 *   npx tsx scripts/bench/classify-leave-set-out.ts blind9 [blind8 ...]
 */
import { systemClock } from '../../src/domain/clock.js';
import { CityTrainer } from '../../src/application/routing-training/train.js';
import { builtinTrainingExamples, createClassifier, loadBuiltinRouting, loadDutyList, loadRoutingExamples } from '../../adapters/fs-config/routing.js';
import { jiebaSegmenter } from '../../adapters/jieba/segmenter.js';
import { pinyinHomophones } from '../../adapters/pinyin/phonetics.js';
import { UrgencyTally } from './urgency-tally.js';

const dutyList = loadDutyList();
const shipped = loadBuiltinRouting().model();
const dir = new URL('../../test/fixtures/classify/', import.meta.url);
for (const name of process.argv.slice(2)) {
  const held = loadRoutingExamples(new URL(`${name}.jsonl`, dir));
  const ids = new Set(held.map((e) => e.id));
  const t0 = performance.now();
  const training = builtinTrainingExamples().filter((e) => !ids.has(e.id));
  const model = new CityTrainer(dutyList, { segmenter: jiebaSegmenter, homophones: pinyinHomophones, builtinExamples: () => training, clock: systemClock }).train(training, {
    builtinExamples: false,
    modelWeight: shipped?.meta.modelWeight,
    source: `builtin without ${name}`,
  });
  model.meta.modelWeight = shipped?.meta.modelWeight ?? model.meta.modelWeight;
  model.meta.modelWeightLong = shipped?.meta.modelWeightLong;
  const c = createClassifier(dutyList, { model, examples: loadRoutingExamples().filter((e) => !ids.has(e.id)) });
  let ok = 0;
  const tally = new UrgencyTally();
  for (const r of held) {
    const x = c.classify(r.text);
    if (x.unit !== null && (x.unit === r.unit || r.acceptable.includes(x.unit))) ok++;
    tally.add(r.urgent, x);
  }
  console.log(
    `${name} left out (${training.length} training examples, ${((performance.now() - t0) / 1000).toFixed(0)} s): unit ${ok}/${held.length} (${((100 * ok) / held.length).toFixed(1)}%), ` +
      tally.summary(),
  );
}
