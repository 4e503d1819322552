/**
 * Routing data from files: the 职责清单, the labelled examples, the shipped unit model and a
 * city's own (SUBAN_ROUTING_MODEL). The domain parses and validates text (src/domain/routing);
 * this module reads the files, names them in its errors and keeps what it read, so a process
 * parses each once. `createClassifier` is the classifier as the service runs it: jieba and, unless
 * told otherwise, the shipped examples and model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readConfigText } from './read.js';
import { invalid } from '../../src/domain/errors.js';
import type { BuiltinRouting } from '../../src/domain/routing/builtin-model.js';
import { Classifier, type ClassifierOptions } from '../../src/domain/routing/classifier.js';
import { parseDutyList, type DutyList, type DutyListExpectations } from '../../src/domain/routing/duty-list.js';
import { parseRoutingExamples, type RoutingExample } from '../../src/domain/routing/examples.js';
import { parseRoutingModel, type RoutingModel } from '../../src/domain/routing/routing-model.js';
import { pinyinHomophones } from '../pinyin/phonetics.js';
import { jiebaSegmenter } from '../jieba/segmenter.js';

export const DEFAULT_DUTY_LIST_PATH = new URL('../../config/duty-list.yaml', import.meta.url);
export const DEFAULT_ROUTING_EXAMPLES_PATH = new URL('../../config/routing-examples.jsonl', import.meta.url);
export const BUILTIN_MODEL_PATH = new URL('../../config/routing-model.json', import.meta.url);
/** What the shipped model is trained on; the history file is optional. */
export const BUILTIN_TRAINING_PATHS = [DEFAULT_ROUTING_EXAMPLES_PATH, new URL('../../config/routing-history.jsonl', import.meta.url)];

export function loadDutyList(path: string | URL = DEFAULT_DUTY_LIST_PATH, expect: DutyListExpectations = {}): DutyList {
  const text = readConfigText(path, 'duty_list_unreadable', '职责清单');
  if (Object.keys(expect).length) return parseDutyList(text, String(path), expect);
  // The web routes and the classifier each load the list at start; parsing the YAML is the cost, so
  // the same text is parsed once (an edited file is new text and parsed again).
  let list = parsedLists.get(text);
  if (!list) {
    list = parseDutyList(text, String(path));
    parsedLists.clear();
    parsedLists.set(text, list);
  }
  return list;
}

const parsedLists = new Map<string, DutyList>();

export function loadRoutingExamples(path: string | URL = DEFAULT_ROUTING_EXAMPLES_PATH): RoutingExample[] {
  return parseRoutingExamples(readConfigText(path, 'routing_examples_unreadable', '分派样本'), String(path));
}

let builtin: BuiltinRouting | null = null;
let shippedModel: RoutingModel | null | undefined;

/** The shipped examples and unit model, each read on first use. */
export function loadBuiltinRouting(): BuiltinRouting {
  builtin ??= {
    examples: loadRoutingExamples(DEFAULT_ROUTING_EXAMPLES_PATH),
    trainingExamples: builtinTrainingExamples,
    model: () => {
      if (shippedModel === undefined) {
        shippedModel = existsSync(BUILTIN_MODEL_PATH) ? parseRoutingModel(readFileSync(BUILTIN_MODEL_PATH, 'utf8'), 'config/routing-model.json') : null;
      }
      return shippedModel;
    },
  };
  return builtin;
}

let training: RoutingExample[] | null = null;

/** The examples the shipped model learns from (`npm run train:builtin`, and `suban train` at a lower weight). */
export function builtinTrainingExamples(): RoutingExample[] {
  training ??= BUILTIN_TRAINING_PATHS.filter((p) => existsSync(p)).flatMap((p) => loadRoutingExamples(p));
  return training;
}

/** A unit model file written by `suban train`. */
export function loadRoutingModel(path: string): RoutingModel {
  const text = readConfigText(path, 'routing_model_unreadable', '分派模型');
  try {
    return parseRoutingModel(text, path);
  } catch (e) {
    throw invalid('routing_model_invalid', (e as Error).message);
  }
}

export interface FileClassifierOptions extends Omit<ClassifierOptions, 'segmenter' | 'examples' | 'builtin' | 'homophones'> {
  /** A JSONL path, the examples themselves, or null for the phrase rules alone; left out, the shipped ones. */
  examples?: string | URL | readonly RoutingExample[] | null;
  /** Default jieba. */
  segmenter?: ClassifierOptions['segmenter'];
  /** Default pinyin-pro with jieba's words; null reads texts as typed. */
  homophones?: ClassifierOptions['homophones'] | null;
}

/** A classifier with jieba and, when `examples` is left out, the shipped examples and model. */
export function createClassifier(dutyList: DutyList, opts: FileClassifierOptions = {}): Classifier {
  const { examples, segmenter = jiebaSegmenter, homophones = pinyinHomophones, ...rest } = opts;
  const reading = { segmenter, ...(homophones ? { homophones } : {}) };
  if (examples === undefined) return new Classifier(dutyList, { ...rest, ...reading, builtin: loadBuiltinRouting() });
  const given = typeof examples === 'string' || examples instanceof URL ? loadRoutingExamples(examples) : examples;
  return new Classifier(dutyList, { ...rest, ...reading, examples: given });
}

/**
 * The 职责清单 classifier, loaded once per process from the configured duty list, with the unit
 * model of SUBAN_ROUTING_MODEL (a city's own, from `suban train`) or the built-in one.
 */
export function loadClassifier(dutyListPath: string, threshold: number, modelPath = ''): Classifier {
  const model = modelPath ? loadRoutingModel(modelPath) : undefined;
  return createClassifier(loadDutyList(dutyListPath), { threshold, ...(model ? { model } : {}) });
}
