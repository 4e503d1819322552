import type { AnswerStepSpec } from './spec.js';
import type { CallInput } from '../../instructions.js';
import { BaseStep, next, wait, type StepContext, type StepResult } from '../step.js';

/** What the kbAnswer action returns: an entry the IVR may read, or null. */
interface ReadableAnswer {
  entryId: string;
  title: string;
  answer: string;
}

/**
 * 一次性答复 on the phone: the caller's words are looked up (IVR action kbAnswer); a readable,
 * confident entry is read out followed by 「按1表示已解决，按2转人工」. 1 records the ticket as
 * answered on first contact (action kbAnswered); anything else goes on to the queue as before.
 * A failing knowledge base never breaks the call: it is a no-match.
 */
export class AnswerStep extends BaseStep<AnswerStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    const text = ctx.render(this.spec.text).trim();
    const lookup = ctx.services.actions?.kbAnswer;
    let hit: ReadableAnswer | null = null;
    if (text && lookup) {
      try {
        hit = ((await lookup({ text }, ctx.actionContext(this.id))) as ReadableAnswer | null) ?? null;
        ctx.progress({ kind: 'action', step: this.id, name: 'kbAnswer', ok: true });
      } catch (e) {
        ctx.progress({ kind: 'action', step: this.id, name: 'kbAnswer', ok: false, error: (e as Error).message });
      }
    }
    if (!hit) return next(this.spec.onNoMatch);
    ctx.session.vars.kbAnswer = { entryId: hit.entryId, title: hit.title, answer: hit.answer, question: text };
    return wait({
      kind: 'gather',
      prompt: [ctx.prompt({ kind: 'say', text: hit.answer }), ctx.prompt({ kind: 'say', text: this.spec.prompt })],
      minDigits: 1,
      maxDigits: 1,
      timeoutSec: this.spec.timeoutSec,
      finishOnKey: '#',
      speech: false,
    });
  }

  async resume(ctx: StepContext, input: CallInput): Promise<StepResult> {
    const digits = (input.digits ?? '').replace(/#$/, '').trim();
    const a = ctx.session.vars.kbAnswer as (ReadableAnswer & { question: string }) | undefined;
    ctx.session.path.push({ step: this.id, digits, menu: '一次性答复', label: digits === '1' ? '已解决' : '转人工' });
    ctx.session.digits.push(digits);
    ctx.progress({ kind: 'gathered', step: this.id, digits, label: digits === '1' ? '已解决' : '转人工', ivrPath: ctx.ivrPath() });
    if (digits !== '1' || !a) return next(this.spec.next);
    const record = ctx.services.actions?.kbAnswered;
    try {
      if (!record) throw new Error('no service for action "kbAnswered"');
      ctx.session.vars.ticket = structuredClone(await record({ ...a }, ctx.actionContext(this.id)));
      ctx.progress({ kind: 'action', step: this.id, name: 'kbAnswered', ok: true });
      return next(this.spec.solved);
    } catch (e) {
      // Not recorded: the caller still reaches an operator, who can answer and record it.
      ctx.progress({ kind: 'action', step: this.id, name: 'kbAnswered', ok: false, error: (e as Error).message });
      return next(this.spec.next);
    }
  }
}
