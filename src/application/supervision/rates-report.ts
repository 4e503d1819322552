/**
 * The rates board (三率): the KPI figures of src/domain/kpi per unit, township, channel or the whole
 * city, with the 延期/退单/督办 counts alongside, as rows and as a table with Chinese headers for
 * CSV and XLSX export. Everything is computed from the event log of the period.
 */
import { toCsvText, type CsvCell } from '../../domain/csv.js';
import type ExcelJS from 'exceljs';

/** exceljs takes ~0.4 s to load: only exports and imports need it, so it is loaded on first use. */
const excel = async () => (await import('exceljs')).default;
import {
  byChannel,
  byTownship,
  byUnit,
  computeKpis,
  DEFAULT_KPI_CONFIG,
  monthlyRanking,
  monthPeriod,
  wholeCity,
  type GroupBy,
  type KpiConfig,
  type KpiFigures,
  type Period,
  type RankedGroup,
} from '../../domain/kpi/index.js';
import type { TicketStore } from '../ports/tickets.js';
import { decisionCounts, emptyDecisionCounts, type DecisionCounts } from './decisions.js';

export const RATE_GROUPS = ['unit', 'township', 'channel', 'city'] as const;
export type RateGroup = (typeof RATE_GROUPS)[number];

const GROUP_BY: Record<RateGroup, GroupBy> = { unit: byUnit, township: byTownship, channel: byChannel, city: wholeCity };
export const GROUP_HEADER: Record<RateGroup, string> = { unit: '承办单位', township: '乡镇', channel: '受理渠道', city: '范围' };

const CHANNEL_LABELS: Record<string, string> = { phone: '电话', wechat: '微信', 'wechat-mp': '微信公众号', sms: '短信', web: '网站', open311: 'Open311' };
export const channelLabel = (c: string) => CHANNEL_LABELS[c] ?? (c.startsWith('platform:') ? `平台：${c.slice(9)}` : c);

export interface RatesRow {
  key: string;
  label: string;
  figures: KpiFigures;
  decisions: DecisionCounts;
}

/**
 * `now`: the present. A period that reaches past it (the running month) judges deadlines up to it
 * only: one that has not come yet is neither met nor missed.
 */
export async function ratesBoard(store: Pick<TicketStore, 'eventsForPeriod'>, period: Period, group: RateGroup, config: KpiConfig = DEFAULT_KPI_CONFIG, now?: Date): Promise<RatesRow[]> {
  const histories = [...(await store.eventsForPeriod(period.from, period.to)).values()];
  const figures = computeKpis(histories, period, { groupBy: GROUP_BY[group], config, now });
  const decisions = decisionCounts(histories, period, GROUP_BY[group]);
  const keys = [...new Set([...figures.keys(), ...decisions.keys()])].sort();
  return keys.map((key) => ({
    key,
    label: group === 'channel' ? channelLabel(key) : key,
    figures: figures.get(key) ?? emptyFigures(key),
    decisions: decisions.get(key) ?? emptyDecisionCounts(),
  }));
}

export async function rankingBoard(store: Pick<TicketStore, 'eventsForPeriod'>, year: number, month: number, config: KpiConfig = DEFAULT_KPI_CONFIG, now?: Date): Promise<RankedGroup[]> {
  const p = monthPeriod(year, month);
  const histories = (await store.eventsForPeriod(p.from, p.to)).values();
  return monthlyRanking(histories, { year, month, config, now });
}

function emptyFigures(key: string): KpiFigures {
  const r = { numerator: 0, denominator: 0, rate: null };
  return { key, accepted: 0, response: r, closing: r, closingOnTime: r, solving: r, satisfaction: { ...r, satisfied: 0, basicallySatisfied: 0, dissatisfied: 0 }, reopened: 0, overdue: 0, overdueOpen: 0, completedLate: 0, avgSignMinutes: null, signSamples: 0, avgReplyMinutes: null, replySamples: 0, avgArrivalMinutes: null, medianArrivalMinutes: null, arrivalSamples: 0, arrivalRecorded: r };
}

// ---- tables for export ----------------------------------------------------------------------

export type CellKind = 'text' | 'int' | 'rate' | 'number';
export interface Column<R> {
  header: string;
  kind: CellKind;
  value: (r: R) => string | number | null;
}

const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

export function rateColumns(group: RateGroup): Column<RatesRow>[] {
  return [
    { header: GROUP_HEADER[group], kind: 'text', value: (r) => r.label },
    { header: '受理量', kind: 'int', value: (r) => r.figures.accepted },
    { header: '响应率', kind: 'rate', value: (r) => r.figures.response.rate },
    { header: '办结率', kind: 'rate', value: (r) => r.figures.closing.rate },
    { header: '按期办结率', kind: 'rate', value: (r) => r.figures.closingOnTime.rate },
    { header: '解决率', kind: 'rate', value: (r) => r.figures.solving.rate },
    { header: '满意率', kind: 'rate', value: (r) => r.figures.satisfaction.rate },
    { header: '满意', kind: 'int', value: (r) => r.figures.satisfaction.satisfied },
    { header: '基本满意', kind: 'int', value: (r) => r.figures.satisfaction.basicallySatisfied },
    { header: '不满意', kind: 'int', value: (r) => r.figures.satisfaction.dissatisfied },
    { header: '重办数', kind: 'int', value: (r) => r.figures.reopened },
    { header: '超期数', kind: 'int', value: (r) => r.figures.overdue },
    { header: '平均签收时长（分钟）', kind: 'number', value: (r) => round1(r.figures.avgSignMinutes) },
    { header: '平均反馈时长（分钟）', kind: 'number', value: (r) => round1(r.figures.avgReplyMinutes) },
    { header: '平均到场时长（分钟）', kind: 'number', value: (r) => round1(r.figures.avgArrivalMinutes) },
    { header: '到场时长中位数（分钟）', kind: 'number', value: (r) => round1(r.figures.medianArrivalMinutes) },
    { header: '即办到场登记率', kind: 'rate', value: (r) => r.figures.arrivalRecorded.rate },
    { header: '延期申请', kind: 'int', value: (r) => r.decisions.extensionRequested },
    { header: '延期批准', kind: 'int', value: (r) => r.decisions.extensionApproved },
    { header: '延期驳回', kind: 'int', value: (r) => r.decisions.extensionRejected },
    { header: '退单', kind: 'int', value: (r) => r.decisions.returned },
    { header: '退单改派', kind: 'int', value: (r) => r.decisions.returnAccepted },
    { header: '退单驳回', kind: 'int', value: (r) => r.decisions.returnRefused },
    { header: '督办', kind: 'int', value: (r) => r.decisions.supervised },
    { header: '通报', kind: 'int', value: (r) => r.decisions.noticed },
  ];
}

export const RANKING_COLUMNS: Column<RankedGroup>[] = [
  { header: '排名', kind: 'int', value: (r) => r.rank },
  { header: '承办单位', kind: 'text', value: (r) => r.key },
  { header: '综合得分', kind: 'number', value: (r) => r.score },
  { header: '受理量', kind: 'int', value: (r) => r.figures.accepted },
  { header: '响应率', kind: 'rate', value: (r) => r.figures.response.rate },
  { header: '按期办结率', kind: 'rate', value: (r) => r.figures.closingOnTime.rate },
  { header: '解决率', kind: 'rate', value: (r) => r.figures.solving.rate },
  { header: '满意率', kind: 'rate', value: (r) => r.figures.satisfaction.rate },
  { header: '重办数', kind: 'int', value: (r) => r.figures.reopened },
  { header: '超期数', kind: 'int', value: (r) => r.figures.overdue },
];

/** A rate as a percentage text; numbers stay numbers; text is defused by the CSV writer. */
function csvValue(v: string | number | null, kind: CellKind): CsvCell {
  if (v === null) return null;
  return kind === 'rate' && typeof v === 'number' ? `${(v * 100).toFixed(2)}%` : v;
}

/** UTF-8 with a BOM and CRLF, so Excel opens the Chinese headers correctly; formula-safe (src/domain/csv.ts). */
export function toCsv<R>(columns: Column<R>[], rows: R[]): string {
  return toCsvText([columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => csvValue(c.value(r), c.kind)))], { bom: true });
}

export async function toXlsx<R>(columns: Column<R>[], rows: R[], sheetName: string, title?: string): Promise<Buffer> {
  const wb = new (await excel()).Workbook();
  wb.creator = 'Suban 速办';
  const ws = wb.addWorksheet(sheetName);
  ws.columns = columns.map((c) => ({ header: c.header, width: Math.max(10, c.header.length * 2 + 2) }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow(columns.map((c) => c.value(r)));
  columns.forEach((c, i) => {
    if (c.kind === 'rate') ws.getColumn(i + 1).numFmt = '0.00%';
  });
  if (title) wb.title = title;
  return Buffer.from(await wb.xlsx.writeBuffer());
}
