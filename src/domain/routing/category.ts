/**
 * 诉求类别 from the caller's own words. Cue words carry weights because citizens mix them: "请问
 * 拖欠工资怎么投诉" is a question (咨询) that mentions a complaint, and "麻烦尽快处理,谢谢" ends a
 * complaint, not a praise. The owning unit's usual category and 即办 (→ 求助) are weak priors
 * that decide only when the cues are thin.
 */
import type { Category } from '../tickets/ticket.js';

type Cue = readonly [phrase: string, weight: number];

const CUES: Record<Category, readonly Cue[]> = {
  咨询: [
    ['请问', 3], ['咨询', 3], ['想问', 3], ['问一下', 3], ['问下', 2], ['想了解', 3], ['打听', 2],
    ['怎么办理', 3], ['如何办理', 3], ['怎么申请', 3], ['如何申请', 3], ['怎么弄', 2], ['怎么改', 2], ['怎么转', 2],
    ['要什么材料', 3], ['需要什么', 2], ['要带什么', 3], ['带什么', 2], ['要哪些', 2], ['需要哪些', 2],
    ['什么条件', 3], ['哪些条件', 2], ['在哪里办', 3], ['去哪里办', 3], ['哪里办', 2], ['去哪里', 2], ['在哪里', 1.5],
    ['什么时候', 1.5], ['多长时间', 2], ['多久', 1.5], ['几点', 2], ['是多少', 2], ['多少钱', 1], ['能补多少', 2],
    ['能不能', 1], ['可以吗', 1.5], ['可不可以', 1.5], ['吗', 1], ['要不要', 1.5], ['有没有', 1], ['怎么', 1], ['如何', 1],
    ['手续', 2], ['流程', 2], ['政策', 2], ['申请', 1], ['办理', 1.5], ['报名', 1.5], ['谁定的', 2], ['合法吗', 2],
    ['是不是', 0.5], ['算不算', 1.5], ['开不开', 1.5], ['开门吗', 2], ['还有吗', 2],
  ],
  求助: [
    ['求助', 4], ['帮忙', 3], ['帮帮', 3], ['帮我', 2], ['救命', 4], ['快来', 3], ['快派人', 3], ['派人', 2], ['来看看', 2],
    ['来修', 2], ['修一下', 2], ['处理一下', 1.5], ['清理一下', 1.5], ['怎么办', 2], ['不知道该', 2], ['困难', 1.5],
    ['没钱', 1.5], ['危险', 1], ['害怕', 1.5], ['担心', 1.5], ['不敢', 1.5], ['没办法', 1.5], ['专家', 1.5], ['补一块', 1],
  ],
  投诉: [
    ['投诉', 4], ['不满', 2], ['态度', 2], ['不管', 2], ['没人管', 2], ['不理', 2], ['不修', 2], ['没人来', 2], ['没有人来', 2],
    ['推诿', 2], ['推脱', 2], ['一直推', 2], ['一直没', 1.5], ['还没', 1], ['到现在', 1.5], ['都没', 1], ['不给', 1.5],
    ['不退', 2], ['多收', 2], ['乱收', 2], ['扣了', 1.5], ['太差', 2], ['很差', 2], ['受不了', 2], ['睡不着', 2], ['吵', 1.5],
    ['太贵', 2], ['不合理', 1.5], ['凭什么', 2], ['好几次', 1.5], ['还不', 1], ['不接', 1.5], ['占线', 1.5], ['差评', 2],
    ['欺负', 1.5], ['拖了', 1.5], ['拖欠', 1.5], ['欠了', 1.5], ['根本', 1], ['不按时', 2], ['不承认', 2], ['说法', 1.5],
  ],
  举报: [
    ['举报', 5], ['检举', 5], ['揭发', 4], ['有人在', 2], ['有人', 1], ['偷偷', 2], ['非法', 2], ['违法', 1.5], ['私自', 2],
    ['无证', 2], ['没有执照', 2], ['没有资质', 2], ['没有行医', 2], ['假的', 2], ['假冒', 2], ['冒充', 1.5], ['涉嫌', 2],
    ['吃空饷', 3], ['骗保', 2], ['偷排', 2], ['违规', 1.5], ['有没有证', 1.5], ['乱埋', 2], ['卖给学生', 2], ['给学生', 1],
  ],
  建议: [
    ['建议', 5], ['提议', 4], ['提个', 2], ['希望能', 1.5], ['能不能增加', 3], ['能不能多', 3], ['能不能加', 3], ['增加', 1.5],
    ['增设', 3], ['多建', 3], ['多开', 2], ['多搞', 3], ['多开展', 3], ['多报道', 3], ['呼吁', 3], ['应该', 1.5], ['浪费', 1.5],
    ['改善', 2], ['太少', 1.5], ['加个', 2], ['加开', 2], ['开放到', 2],
  ],
  表扬: [
    ['表扬', 5], ['点赞', 5], ['锦旗', 5], ['感谢信', 5], ['非常感谢', 2], ['特别感谢', 2], ['感谢', 1], ['辛苦', 1.5],
    ['耐心', 2], ['负责', 1.5], ['热情', 1.5], ['好评', 2],
  ],
};

/** Ties go to the earlier category: a report outranks a complaint, a complaint a question. */
const TIE_ORDER: readonly Category[] = ['表扬', '举报', '投诉', '建议', '求助', '咨询'];

/** The owning unit's usual categories nudge a text with few cues; they never outvote a clear cue. */
const UNIT_PRIOR = [1, 0.5] as const;
/** A danger report with no other cue is a request for help. */
const URGENT_PRIOR = 2.5;

export interface CategoryGuess {
  category: Category;
  cues: string[];
}

/** `unitCategories`: the owning unit's typical categories, most typical first (may be empty). */
export function detectCategory(text: string, unitCategories: readonly Category[], urgent: boolean): CategoryGuess {
  let best: { category: Category; score: number; cues: string[] } = { category: '求助', score: -1, cues: [] };
  for (const category of TIE_ORDER) {
    let score = 0;
    const cues: string[] = [];
    for (const [phrase, weight] of CUES[category]) {
      if (text.includes(phrase)) {
        score += weight;
        cues.push(phrase);
      }
    }
    const rank = unitCategories.indexOf(category);
    if (rank >= 0 && rank < UNIT_PRIOR.length) score += UNIT_PRIOR[rank];
    if (urgent && category === '求助') score += URGENT_PRIOR;
    if (score > best.score) best = { category, score, cues };
  }
  return { category: best.category, cues: best.cues };
}
