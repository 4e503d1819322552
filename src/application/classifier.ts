import { readFileSync } from 'node:fs';
import { Classifier, loadDutyList } from '../domain/routing/index.js';
import { parseRoutingModel, type RoutingModel } from '../domain/routing/routing-model.js';
import { invalid } from '../domain/errors.js';

/**
 * The 职责清单 classifier, loaded once per process from the configured duty list, with the unit
 * model of SUBAN_ROUTING_MODEL (a city's own, from `suban train`) or the built-in one.
 */
export function loadClassifier(dutyListPath: string, threshold: number, modelPath = ''): Classifier {
  const model = modelPath ? loadRoutingModel(modelPath) : undefined;
  return new Classifier(loadDutyList(dutyListPath), { threshold, ...(model ? { model } : {}) });
}

export function loadRoutingModel(path: string): RoutingModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid('routing_model_unreadable', `分派模型文件无法读取:${path}(${(e as Error).message})`);
  }
  try {
    return parseRoutingModel(text, path);
  } catch (e) {
    throw invalid('routing_model_invalid', (e as Error).message);
  }
}
