export { Classifier, DEFAULT_THRESHOLD, type Classification, type ClassifierOptions, type Suggestion } from './classifier.js';
export { loadDutyList, parseDutyList, DEFAULT_DUTY_LIST_PATH, type DutyList, type DutyUnit, type Township, type UrgentRule, type DutyListExpectations } from './duty-list.js';
export { matterSignature, similarity, SAME_MATTER_THRESHOLD, type MatterSignature } from './similarity.js';
