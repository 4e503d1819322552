/** The 回访 result rules, pure (domain/tickets/followup.ts). */
import t from 'tap';
import { followUpEvents, isNegativeFollowUp } from '../../../src/domain/tickets/followup.js';
import type { FollowUpResult } from '../../../src/domain/tickets/ticket.js';

const r = (satisfaction: FollowUpResult['satisfaction'], solved?: boolean, reason?: string): FollowUpResult => ({ satisfaction, via: 'sms', ...(solved === undefined ? {} : { solved }), ...(reason ? { reason } : {}) });

t.test('negative: not satisfied, or not solved whatever the satisfaction', async (t) => {
  t.equal(isNegativeFollowUp(r('不满意')), true);
  t.equal(isNegativeFollowUp(r('满意', false)), true);
  t.equal(isNegativeFollowUp(r('基本满意', false)), true);
  t.equal(isNegativeFollowUp(r('满意', true)), false);
  t.equal(isNegativeFollowUp(r('基本满意')), false);
  t.equal(isNegativeFollowUp(r('未回访')), false, 'nobody answered: not a complaint');
});

t.test('satisfied and solved closes; 未回访 closes with its note', async (t) => {
  t.same(followUpEvents(r('满意', true), false, 'replied'), [{ type: 'followed_up', result: r('满意', true) }, { type: 'closed', note: undefined }]);
  t.same(followUpEvents(r('未回访'), false, 'replied')[1], { type: 'closed', note: '未回访办结' });
});

t.test('negative reopens: to the unit, or to the operator when the unit was wrong or the ticket was a direct answer', async (t) => {
  t.same(followUpEvents(r('不满意'), false, 'replied')[1], { type: 'reopened', reason: '群众不满意', toOperator: false });
  t.same(followUpEvents(r('满意', false), false, 'replied')[1], { type: 'reopened', reason: '群众反映问题未解决', toOperator: false });
  t.same(followUpEvents(r('不满意', undefined, '没人来修'), false, 'replied')[1], { type: 'reopened', reason: '没人来修', toOperator: false }, "the citizen's reason wins");
  t.same(followUpEvents(r('不满意'), true, 'replied')[1], { type: 'reopened', reason: '群众不满意', toOperator: true });
  t.same(followUpEvents(r('不满意'), false, 'answered')[1], { type: 'reopened', reason: '群众不满意', toOperator: true });
});

t.test("a merged ticket only records its citizen's answer", async (t) => {
  t.same(followUpEvents(r('不满意'), false, 'merged'), [{ type: 'followed_up', result: r('不满意') }]);
  t.same(followUpEvents(r('满意', true), false, 'merged'), [{ type: 'followed_up', result: r('满意', true) }]);
});
