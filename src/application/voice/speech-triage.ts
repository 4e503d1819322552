/**
 * The hotline menu's `assessSpeech` action: a caller who describes their matter instead of
 * pressing a key is sorted by the same classifier as every ticket, so danger to life or
 * property said in words reaches the 即办 queue as surely as a press of 1.
 */
import type { IvrAction } from '../ivr/ports.js';
import type { ClassifierPort } from '../ports/routing.js';

export interface SpeechAssessment {
  urgent: boolean;
  category: string | null;
  /** the suggested unit, null when the classifier is not sure */
  unit: string | null;
}

export function assessSpeech(classifier: ClassifierPort): IvrAction {
  return async (args): Promise<SpeechAssessment> => {
    const text = typeof args.text === 'string' ? args.text.trim() : '';
    if (!text) return { urgent: false, category: null, unit: null };
    const c = await classifier.classify(text);
    return { urgent: c.urgent, category: c.category, unit: c.needsManualDispatch ? null : c.unit };
  };
}
