/**
 * The hotline menu's `assessSpeech` action: a caller who describes their matter instead of
 * pressing a key is sorted by the same classifier as every ticket, so danger to life or
 * property said in words reaches the 即办 queue as surely as a press of 1.
 */
import { emergencyAdvice, emergencyNumbers } from '../conversation/emergency.js';
import type { IvrAction } from '../ivr/ports.js';
import type { ClassifierPort } from '../ports/routing.js';

export interface SpeechAssessment {
  urgent: boolean;
  category: string | null;
  /** the suggested unit, null when the classifier is not sure */
  unit: string | null;
  /** 待核实: a possible danger; the caller goes to an operator, who decides */
  urgentCheck: boolean;
  /** For an urgent caller: which of 110/119/120 to call as well, in words (the WeChat bot's text). */
  advice: string;
}

export function assessSpeech(classifier: ClassifierPort): IvrAction {
  return async (args): Promise<SpeechAssessment> => {
    const text = typeof args.text === 'string' ? args.text.trim() : '';
    if (!text) return { urgent: false, category: null, unit: null, urgentCheck: false, advice: '' };
    const c = await classifier.classify(text);
    const advice = c.urgent ? emergencyAdvice(emergencyNumbers(text, c.urgentReasons)) : '';
    return { urgent: c.urgent, category: c.category, unit: c.needsManualDispatch ? null : c.unit, urgentCheck: c.urgentCheck === true, advice };
  };
}
