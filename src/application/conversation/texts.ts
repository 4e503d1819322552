/** Everything the citizen reads, in one place so the hotline office can review the wording. */
import type { Attachment } from '../../domain/tickets/ticket.js';
import { formatChineseDateTime } from './format.js';

export const HOTLINE = '12345政务服务便民热线';

export const T = {
  welcome:
    `您好，欢迎关注${HOTLINE}！\n` +
    '您可以直接发送文字、图片、语音或位置反映问题，我们会为您登记工单并转交承办单位。\n' +
    '常用指令：\n“查询 工单号”查看办理进度\n“人工”转人工客服\n“取消”取消本次反映\n“帮助”查看说明',
  greeting: `您好，这里是${HOTLINE}。`,
  askDescription: '请描述您要反映的问题：发生了什么、在什么地方。可以发送文字、图片、语音或位置。',
  help:
    '使用说明：\n' +
    '1. 直接发送文字描述问题，也可以补充图片、语音或位置；\n' +
    '2. 核对信息后回复“是”即可提交，系统会告诉您工单号和答复时限；\n' +
    '3. 发送“查询 工单号”查看办理进度；\n' +
    '4. 发送“人工”转人工客服，“取消”取消本次反映。\n' +
    '如遇火灾、急救、治安等紧急情况，请直接拨打119、120、110。',
  timedOut: '之前的对话已超时（30分钟未回复），未提交的内容已清除。我们重新开始。',
  askPlace: '请问问题发生在什么地方？请告诉我们具体位置（如乡镇、街道、小区、门牌号或附近的标志性建筑），也可以直接发送位置。',
  imageReceived: '已收到图片，将随工单一并提交。',
  voiceReceived: '已收到语音，将随工单一并提交。',
  voiceNeedsText: '已收到语音。为准确记录，请再用文字简要说明问题和发生地点。',
  imageNeedsText: '已收到图片。请再用文字简要说明问题和发生地点。',
  attachmentsFull: '附件数量已达上限，后续图片或语音将不再添加。',
  descriptionFull: '描述内容已较长，后续文字将不再添加。如需更正，请回复“修改”。',
  confirmHint: '请回复“是”提交，“修改”更正内容，或“否”放弃本次反映。如需补充图片、语音，可直接发送。',
  chooseEdit: '请问要修改哪一项？回复“1”修改问题描述，回复“2”修改发生地点。',
  chooseEditAgain: '请回复“1”修改问题描述，或回复“2”修改发生地点。',
  askNewDescription: '请重新描述您要反映的问题（已发送的图片、语音会保留）：',
  askNewPlace: '请发送新的发生地点，或直接发送位置：',
  discarded: '好的，本次反映已放弃，没有提交工单。如需反映问题，请随时发送消息。',
  cancelled: '已取消本次反映，没有提交工单。如需反映问题，请随时发送消息。',
  nothingToCancel: '当前没有进行中的反映。如需反映问题，请直接发送问题描述。',
  handedOver: '已为您转接人工客服，工作人员会尽快在这里回复您，请稍候。如需结束人工服务，请回复“取消”。',
  operatorEnded: '已结束人工服务。如需反映问题，请随时发送消息。',
  operatorFailed: '抱歉，人工客服暂时无法接入。您可以继续在这里反映问题，或拨打12345热线。',
  askTicketNumber: '请发送工单号，例如：查询 20260301-0001',
  queryFailed: '抱歉，暂时无法查询，请稍后再试或拨打12345热线。',
  createFailed: '抱歉，系统繁忙，工单暂未提交成功。请稍后回复“是”重试，或拨打12345热线。',
  rateLimited: '您发送消息过于频繁，请稍后再试。如有紧急情况，请直接拨打110、119、120。',
  /** the engine itself failed (database away): the message was not taken, and the citizen must know */
  failed: '抱歉，系统繁忙，您的消息未能处理，请稍后再发送一次。如有紧急情况，请直接拨打110、119、120。',
  busy: '抱歉，您的上一条消息还在处理中，这条消息未能处理，请稍后再发送一次。如有紧急情况，请直接拨打110、119、120。',
  emptyText: '没有收到文字内容，请重新发送。',
  unsupported: '暂不支持这种消息类型，请发送文字、图片、语音或位置。',
  continueHint: '（您正在反映的问题尚未提交，可以继续。）',
  askCallbackPhone: '如希望我们在微信之外也能回访您（微信消息有48小时时限），可回复一个手机号码，仅用于本工单回访；不需要请回复“跳过”。',
  callbackPhoneFailed: '抱歉，回访电话暂未保存成功，请稍后再发送一次。',
  answerPrompt: '这个答复解决您的问题了吗？回复 1 已解决，2 转人工',
  answerNotHelped: '好的，我们为您登记工单，转工作人员办理。',
  answerRecordFailed: '抱歉，系统繁忙，暂未记录成功，请稍后再回复 1。',
};

/** 一次性答复: the knowledge base's answer and the question whether it helped. */
export function quickAnswer(title: string, answer: string): string {
  return `【${title}】\n${answer}\n\n${T.answerPrompt}`;
}

export function answeredThanks(number: string): string {
  return `感谢您的反馈，已记录为一次性答复（编号${number}）。如有其他问题，请随时发送消息。`;
}

function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '***';
}

export function callbackPhoneSaved(number: string, phone: string): string {
  return `已记录回访电话${maskPhone(phone)}（工单${number}），仅用于回访。`;
}

export function callbackPhoneSkipped(number: string): string {
  return `好的，工单${number}不留电话，我们将通过微信回访您。`;
}

export function ticketCreated(number: string, replyBy: Date): string {
  return (
    `您的诉求已受理，工单号：${number}。\n` +
    `承办单位将在${formatChineseDateTime(replyBy)}前答复您。\n` +
    `如需查询办理进度，请发送“查询 ${number}”。感谢您的反映！`
  );
}

export function urgentCreated(number: string, replyBy: Date): string {
  return (
    `您反映的情况较为紧急，已按“即办件”登记并立即转交相关部门处理，工单号：${number}。\n` +
    `相关部门将尽快处置，最迟于${formatChineseDateTime(replyBy)}前答复。请保持联系方式畅通。`
  );
}

export const urgentNeedsPlace = '如方便，请在拨打电话时说明具体位置，或再发送“人工”由工作人员与您联系。';

export function queryResult(number: string, statusLabel: string, latestReply: string | null): string {
  const reply = latestReply ? `\n最新答复：${latestReply}` : '\n暂无答复，承办单位正在办理中。';
  return `工单${number}：当前状态“${statusLabel}”。${reply}`;
}

export function queryRefused(number: string): string {
  return `未找到您提交的工单${number}。请核对工单号；出于隐私保护，只能查询本人在本渠道提交的工单。`;
}

function attachmentSummary(attachments: Attachment[]): string | null {
  const images = attachments.filter((a) => a.kind === 'image').length;
  const voices = attachments.filter((a) => a.kind === 'voice').length;
  const parts = [images ? `图片${images}张` : '', voices ? `语音${voices}条` : ''].filter(Boolean);
  return parts.length ? parts.join('、') : null;
}

export function summary(p: { description: string; place: string | null; category: string; attachments: Attachment[] }): string {
  const lines = ['请核对您反映的内容：', `【问题】${p.description}`, `【地点】${p.place ?? '未提供'}`, `【类别】${p.category}`];
  const att = attachmentSummary(p.attachments);
  if (att) lines.push(`【附件】${att}`);
  lines.push('以上信息是否正确？回复“是”提交，“修改”更正，“否”放弃。');
  return lines.join('\n');
}

export function locationReceived(label: string): string {
  return `已收到位置：${label}。`;
}

export function followupThanks(ticketNumber: string, negative: boolean): string {
  return negative
    ? `感谢您的反馈，已记录（工单${ticketNumber}）。我们将督促承办单位重新办理，并再次与您联系。`
    : `感谢您的评价，已记录（工单${ticketNumber}）。祝您生活愉快！`;
}
