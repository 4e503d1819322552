/** What citizens and the 市政府值班室 read: all Chinese, kept short enough for one or two SMS. */
import { isNegativeFollowUp } from '../../domain/tickets/followup.js';
import type { FollowUpResult, Ticket } from '../../domain/tickets/ticket.js';

const clip = (s: string | null | undefined, n: number) => {
  const t = (s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

export function followupQuestion(t: Pick<Ticket, 'number' | 'unit' | 'lastReply'>): string {
  return (
    `【12345热线回访】您反映的问题（工单编号${t.number}），${t.unit ?? '承办单位'}答复：${clip(t.lastReply, 60)}。` +
    '请回复数字评价办理结果：1 满意，2 基本满意，3 不满意；可同时回复“已解决”或“未解决”，如“1 已解决”。'
  );
}

/** To the citizen of a ticket merged (并单) into another, when that one is closed. */
export function mergedResult(m: Pick<Ticket, 'number'>, target: Pick<Ticket, 'number' | 'unit' | 'lastReply'>): string {
  return `【12345热线】您反映的问题（工单${m.number}）已与同一事项的工单${target.number}合并办理，现已办结。${target.unit ?? '承办单位'}答复：${clip(target.lastReply, 80)}。稍后我们将就办理结果向您回访。`;
}

export const askSolved = (number: string) => `【12345热线回访】工单${number}：您反映的问题是否已解决？请回复 1 已解决，2 未解决。`;
export const askSatisfaction = (number: string) => `【12345热线回访】工单${number}：请回复数字评价办理结果：1 满意，2 基本满意，3 不满意。`;
export const unrecognised = (number: string) => `【12345热线回访】未能识别您的回复。工单${number}请回复 1 满意，2 基本满意，3 不满意。`;

export function thanks(number: string, r: FollowUpResult): string {
  return isNegativeFollowUp(r)
    ? `【12345热线】已收到您对工单${number}的评价，我们将要求承办单位重新办理，请保持电话畅通。`
    : `【12345热线】已收到您对工单${number}的评价，感谢您对12345热线工作的支持。`;
}

export function resultLabel(r: FollowUpResult): string {
  if (r.satisfaction === '未回访') return `未回访${r.reason ? `（${r.reason}）` : ''}`;
  const solved = r.solved === true ? '，已解决' : r.solved === false ? '，未解决' : '';
  return `${r.satisfaction}${solved}`;
}

/** The 即办 result report to the 市政府值班室 (the plan: 办理结果上报至市政府值班室). */
export function urgentReport(t: Pick<Ticket, 'number' | 'content' | 'unit' | 'lastReply'>, r: FollowUpResult): string {
  return `【12345即办结果报告】工单${t.number}：${clip(t.content, 40)}；承办单位：${t.unit ?? '未派单'}；办理结果：${clip(t.lastReply, 60)}；回访：${resultLabel(r)}。`;
}

export const URGENT_ARCHIVED_NOTE = '即办事项办理结果及回访情况已归档备查，并以短信报送市政府值班室。';
export const URGENT_ARCHIVED_NO_PHONE_NOTE = '即办事项办理结果及回访情况已归档备查；未配置市政府值班室号码（SUBAN_CITY_DUTY_PHONE），未能报送。';
