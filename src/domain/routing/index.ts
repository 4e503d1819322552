export { Classifier, DEFAULT_THRESHOLD, MODEL_URGENT_REASON, type Classification, type ClassifierOptions, type Suggestion } from './classifier.js';
export { parseDutyList, type DutyList, type DutyUnit, type Township, type UrgentRule, type DutyListExpectations } from './duty-list.js';
export { parseRoutingExamples, type RoutingExample } from './examples.js';
export { requestText } from './request-text.js';
export { DEFAULT_LEARNED_PARAMS, type LearnedParams } from './learned.js';
export { crossValidate, scoreClassifier, foldOf, summarise, type CrossValidation, type Scores } from './evaluation.js';
export { matterSignature, similarity, SAME_MATTER_THRESHOLD, type MatterSignature } from './similarity.js';
