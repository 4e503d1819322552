import { Classifier, loadDutyList } from '../domain/routing/index.js';
import type { ClassifierPort } from './ports/routing.js';

/** The 职责清单 classifier, loaded once per process from the configured duty list. */
export function loadClassifier(dutyListPath: string, threshold: number): ClassifierPort {
  return new Classifier(loadDutyList(dutyListPath), { threshold });
}
