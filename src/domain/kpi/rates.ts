import { invalid } from '../errors.js';
import type { TicketEvent } from '../tickets/events.js';
import { DEFAULT_KPI_CONFIG, type KpiConfig } from './config.js';
import { ticketContributions, type Contribution, type Period } from './contributions.js';
import { wholeCity, type GroupBy } from './group-by.js';
import { median } from './assist.js';

/** numerator / denominator; rate is null when nothing was due (no figure rather than 0% or 100%). */
export interface Ratio {
  numerator: number;
  denominator: number;
  rate: number | null;
}

/** The figures of one group (unit, township, channel or the whole city) over a period. */
export interface KpiFigures {
  key: string;
  /** 受理量: tickets created in the period. */
  accepted: number;
  /** 响应率: sign obligations due in the period that were signed by their deadline / those due. */
  response: Ratio;
  /** 办结率: of the tickets created in the period (less merged ones), those closed at period end. */
  closing: Ratio;
  /** 按期办结率: of the same cohort, closed with the unit's completion by the reply deadline. */
  closingOnTime: Ratio;
  /** 解决率: last valid 回访 in the period says solved / last valid 回访 that answered the question. */
  solving: Ratio;
  /** 满意率: (满意 + w × 基本满意 + …) / valid answers; counts of each answer alongside. */
  satisfaction: Ratio & { satisfied: number; basicallySatisfied: number; dissatisfied: number };
  /** 重办 in the period, charged to the unit that replied. */
  reopened: number;
  /** Tickets overdue: open past the reply deadline at period end, or completed late in the period. */
  overdue: number;
  overdueOpen: number;
  completedLate: number;
  /** Mean clock minutes from dispatch to 签收 (signs in the period); null when none. */
  avgSignMinutes: number | null;
  signSamples: number;
  /** Mean clock minutes from dispatch or 重办 to 反馈 (replies in the period); null when none. */
  avgReplyMinutes: number | null;
  replySamples: number;
  /** 现场处置: mean and median clock minutes from dispatch (the page) to arrival on the scene, arrivals in the period; null when none. */
  avgArrivalMinutes: number | null;
  medianArrivalMinutes: number | null;
  arrivalSamples: number;
  /** 即办 tickets (parts) the unit signed in the period with an arrival recorded / those signed. */
  arrivalRecorded: Ratio;
}

interface Acc {
  accepted: number;
  signDue: number;
  signMet: number;
  cohort: number;
  closed: number;
  closedOnTime: number;
  solvedAsked: number;
  solved: number;
  satisfied: number;
  basicallySatisfied: number;
  dissatisfied: number;
  reopened: number;
  overdueOpen: Set<string>;
  completedLate: Set<string>;
  signMinutes: number[];
  replyMinutes: number[];
  arrivalMinutes: number[];
  onsiteSigned: number;
  onsiteRecorded: number;
}

const newAcc = (): Acc => ({
  accepted: 0,
  signDue: 0,
  signMet: 0,
  cohort: 0,
  closed: 0,
  closedOnTime: 0,
  solvedAsked: 0,
  solved: 0,
  satisfied: 0,
  basicallySatisfied: 0,
  dissatisfied: 0,
  reopened: 0,
  overdueOpen: new Set(),
  completedLate: new Set(),
  signMinutes: [],
  replyMinutes: [],
  arrivalMinutes: [],
  onsiteSigned: 0,
  onsiteRecorded: 0,
});

function apply(a: Acc, c: Contribution): void {
  switch (c.kind) {
    case 'accepted':
      a.accepted++;
      break;
    case 'sign':
      a.signDue++;
      if (c.met) a.signMet++;
      break;
    case 'closing':
      a.cohort++;
      if (c.closed) a.closed++;
      if (c.onTime) a.closedOnTime++;
      break;
    case 'followUp':
      if (c.satisfaction === '满意') a.satisfied++;
      else if (c.satisfaction === '基本满意') a.basicallySatisfied++;
      else a.dissatisfied++;
      if (typeof c.solved === 'boolean') {
        a.solvedAsked++;
        if (c.solved) a.solved++;
      }
      break;
    case 'reopen':
      a.reopened++;
      break;
    case 'overdueOpen':
      a.overdueOpen.add(c.subject.ticketId);
      break;
    case 'completedLate':
      a.completedLate.add(c.subject.ticketId);
      break;
    case 'signTime':
      a.signMinutes.push(c.minutes);
      break;
    case 'replyTime':
      a.replyMinutes.push(c.minutes);
      break;
    case 'arrival':
      a.arrivalMinutes.push(c.minutes);
      break;
    case 'onsiteRecorded':
      a.onsiteSigned++;
      if (c.recorded) a.onsiteRecorded++;
      break;
  }
}

const ratio = (numerator: number, denominator: number): Ratio => ({ numerator, denominator, rate: denominator === 0 ? null : numerator / denominator });
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length);

function finish(key: string, a: Acc, config: KpiConfig): KpiFigures {
  const w = config.satisfactionWeights;
  const answers = a.satisfied + a.basicallySatisfied + a.dissatisfied;
  const weighted = a.satisfied * w.满意 + a.basicallySatisfied * w.基本满意 + a.dissatisfied * w.不满意;
  return {
    key,
    accepted: a.accepted,
    response: ratio(a.signMet, a.signDue),
    closing: ratio(a.closed, a.cohort),
    closingOnTime: ratio(a.closedOnTime, a.cohort),
    solving: ratio(a.solved, a.solvedAsked),
    satisfaction: { ...ratio(weighted, answers), satisfied: a.satisfied, basicallySatisfied: a.basicallySatisfied, dissatisfied: a.dissatisfied },
    reopened: a.reopened,
    overdue: new Set([...a.overdueOpen, ...a.completedLate]).size,
    overdueOpen: a.overdueOpen.size,
    completedLate: a.completedLate.size,
    avgSignMinutes: mean(a.signMinutes),
    signSamples: a.signMinutes.length,
    avgReplyMinutes: mean(a.replyMinutes),
    replySamples: a.replyMinutes.length,
    avgArrivalMinutes: mean(a.arrivalMinutes),
    medianArrivalMinutes: median(a.arrivalMinutes),
    arrivalSamples: a.arrivalMinutes.length,
    arrivalRecorded: ratio(a.onsiteRecorded, a.onsiteSigned),
  };
}

export interface ComputeKpiOptions {
  /** Default: the whole city in one group. */
  groupBy?: GroupBy;
  config?: KpiConfig;
  /** The present, when the period may not have ended: deadlines are judged up to it only. */
  now?: Date;
}

/**
 * The KPI figures of [from, to) per group, from ticket events alone. `histories` holds each
 * ticket's full event list (any order; sorted by seq here). Groups are returned sorted by key.
 */
export function computeKpis(histories: Iterable<readonly TicketEvent[]>, period: Period, opts: ComputeKpiOptions = {}): Map<string, KpiFigures> {
  if (!(period.from.getTime() < period.to.getTime())) throw invalid('bad_period', '统计区间的开始须早于结束 / period must start before it ends');
  const groupBy = opts.groupBy ?? wholeCity;
  const config = opts.config ?? DEFAULT_KPI_CONFIG;
  const accs = new Map<string, Acc>();
  for (const events of histories) {
    for (const c of ticketContributions(events, period, config, opts.now)) {
      const key = groupBy(c.subject);
      if (key === null) continue;
      let a = accs.get(key);
      if (!a) accs.set(key, (a = newAcc()));
      apply(a, c);
    }
  }
  const keys = [...accs.keys()].sort();
  return new Map(keys.map((k) => [k, finish(k, accs.get(k)!, config)]));
}
