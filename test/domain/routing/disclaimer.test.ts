/**
 * An agency the caller says disowned the matter or sent them on (派出所说不归他们管, 交警说要找城管)
 * is not the owner, also in a short request; an agency the caller blames for not acting (城管也不来管)
 * still is. Phrase rules only, so the figures are the duty list's.
 */
import t from 'tap';
import { createClassifier, loadDutyList } from '../../../adapters/fs-config/routing.js';

const c = createClassifier(loadDutyList(), { examples: null });
const evidenceOf = (text: string, unit: string) => c.classify(text).suggestions.find((s) => s.unit === unit)?.evidence ?? [];

t.test('a disowning agency counts a fifth', async (t) => {
  t.ok(evidenceOf('派出所说不归他们管 楼下麻将馆天天吵到半夜', '市公安局').includes('派出所(+5,×0.2)'));
  const r = c.classify('小区门口井盖没了,打了交警电话,交警说要找城管');
  t.equal(r.unit, '市城管局');
  t.ok(evidenceOf('小区门口井盖没了,打了交警电话,交警说要找城管', '市公安局交管大队').some((e) => e.includes('×0.2')), 'the sender, not the one sent to');
});

t.test('an agency blamed for not acting, or asked for, keeps its points', async (t) => {
  t.ok(evidenceOf('城管也不来管 门口天天占道摆摊', '市城管局').includes('城管(+5)'));
  t.ok(evidenceOf('这个事能不能让城管来管一下', '市城管局').includes('城管(+5)'));
});
