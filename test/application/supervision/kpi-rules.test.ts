import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { defaultAssessmentRule, resolveKpiConfig } from '../../../src/domain/kpi/index.js';
import { KpiRuleService } from '../../../src/application/supervision/kpi-rules.js';
import { SqlAuditLog, SqlDedupeStore, SqlStateStore } from '../../../adapters/db/misc-stores.js';
import { ENGINES, freshDatabase } from '../../helpers/db.js';

/** The rule store on both engines: versions survive a change of SUBAN_KPI, and two saves at once never both win. */
for (const engine of ENGINES) {
  t.test(`考核规则 store on ${engine}`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const clock = new FakeClock('2027-03-10T02:00:00Z');
    const deps = { state: new SqlStateStore(db), dedupe: new SqlDedupeStore(db), audit: new SqlAuditLog(db), clock };
    const admin = { id: 'adm', name: '管理员' };
    const kpiA = resolveKpiConfig({ satisfactionWeights: { 基本满意: 0.9 } });
    const svc = new KpiRuleService({ ...deps, base: defaultAssessmentRule(kpiA) });

    t.same(
      (await svc.versions()).map((v) => v.version),
      [1],
      'before any save: the built-in version 1',
    );
    const v2 = await svc.save({ effectiveFrom: '2027-04', reason: '四月起超期扣分', rule: { deductions: { overdue: { points: 1, cap: 10 } } } }, admin, 1);
    t.equal(v2.version, 2);

    // SUBAN_KPI changes after the first save: months before version 2 keep the snapshot of version 1.
    const kpiB = resolveKpiConfig({ satisfactionWeights: { 基本满意: 0.5 } });
    const later = new KpiRuleService({ ...deps, base: defaultAssessmentRule(kpiB) });
    t.equal((await later.forMonth('2027-01')).rule.formulas.satisfactionWeights.基本满意, 0.9, 'January keeps the formulas it had');
    t.equal((await later.forMonth('2027-04')).rule.deductions.overdue.points, 1);
    t.equal((await later.forMonth('2027-04')).rule.formulas.satisfactionWeights.基本满意, 0.9, 'version 2 was laid over version 1 as it was');

    // Two editors who both saw version 2 save at the same moment: one wins, the other is told.
    const results = await Promise.allSettled([
      svc.save({ effectiveFrom: '2027-05', reason: '甲', rule: { weights: { closing: 0.1 } } }, admin, 2),
      svc.save({ effectiveFrom: '2027-05', reason: '乙', rule: { weights: { closing: 0.2 } } }, { id: 'adm2', name: '管理员二' }, 2),
    ]);
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one save wins');
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    t.match(lost.reason, { code: 'rule_changed' });
    const all = await svc.versions();
    t.same(
      all.map((v) => v.version),
      [1, 2, 3],
    );
    t.equal((await svc.forMonth('2027-05')).version, 3);
    t.equal((await svc.forMonth('2027-04')).version, 2, 'April keeps version 2');

    // A save that claimed version 4 and died before writing it: the next save completes it and is told to refresh.
    const orphan = { version: 4, effectiveFrom: '2027-06', rule: all[2]!.rule, createdAt: clock.now().toISOString(), createdBy: admin, reason: '中断的保存' };
    await deps.dedupe.claim('kpi.rules.version', '000004', clock.now(), orphan);
    await t.rejects(svc.save({ effectiveFrom: '2027-06', reason: '再改', rule: {} }, admin), { code: 'rule_changed' });
    t.same(
      (await svc.versions()).map((v) => v.version),
      [1, 2, 3, 4],
      'the interrupted version is written',
    );
    t.equal((await svc.save({ effectiveFrom: '2027-06', reason: '再改', rule: {} }, admin)).version, 5, 'and the next save goes on');
    await t.rejects(svc.save({ effectiveFrom: '2027-02', reason: '改二月', rule: {} }, admin), { code: 'past_month' }, 'a past month keeps its rule');
    await t.rejects(svc.save({ effectiveFrom: '2027-06', reason: '  ', rule: {} }, admin), { code: 'reason_required' });
    await t.rejects(svc.save({ effectiveFrom: '2027-06', reason: 'x', rule: { weights: { response: 'high' } } }, admin), { code: 'bad_assessment_rule' });
    t.equal((await svc.versions()).length, 5, 'refused saves leave nothing behind');
    const audit = await deps.audit.list('kpi-rules');
    t.equal(audit.length, 3, 'each accepted save is audited');
    t.same(
      audit.map((a) => a.actorId),
      ['adm', all[2]!.createdBy.id, 'adm'],
    );
  });
}
