/**
 * The 14 outside platforms of 附件2 as configuration: who manages each one and how its cases are
 * handled come from config/channels.json (the plan's table); how its case format maps to ours
 * comes from one mapping file per platform, config/platforms/<slug>.yaml. Secrets never live in
 * those files: each names the environment variable that holds its HMAC key.
 *
 * Every problem in the files is reported at once, naming the file and the entry, because the
 * files are edited by the hotline office and a restart per typo is a bad way to find them. The
 * files are read by adapters/fs-config/platforms.ts; their texts are checked here.
 */
import { parse as parseYaml } from 'yaml';
import { invalid } from '../../domain/errors.js';
import { CATEGORIES, type Category } from '../../domain/tickets/ticket.js';

export const PLATFORM_KINDS = ['interconnect', 'merged-review', 'merged'] as const;
export type PlatformKind = (typeof PLATFORM_KINDS)[number];

/** Our field → the platform's field (a dotted path for nested JSON; a list means "the first one present"). */
export const CASE_FIELDS = ['caseId', 'content', 'title', 'contact', 'contactName', 'category', 'place', 'township', 'attachments', 'unit', 'status', 'reply', 'receivedAt'] as const;
export type CaseField = (typeof CASE_FIELDS)[number];

/** What an interconnect platform says about its own case, mirrored onto ours. */
export const MIRROR_STATES = ['open', 'replied', 'closed'] as const;
export type MirrorState = (typeof MIRROR_STATES)[number];

export const EXPORT_FORMATS = ['csv', 'xlsx', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface PollSource {
  /** Directory the platform's export files are dropped into (SFTP sync, manual download...). */
  dir: string;
  format: ExportFormat;
  everyMinutes: number;
  /** Text encoding of CSV exports (many of these systems still export GBK). */
  encoding: string;
  /** XLSX: the worksheet to read (default: the first). */
  sheet: string | null;
}

export interface ReplyTarget {
  url: string;
  /** Our reply field → the platform's field name. */
  fields: Record<ReplyField, string>;
}

export const REPLY_FIELDS = ['caseId', 'ticketNumber', 'reply', 'unit', 'repliedAt', 'reviewedBy'] as const;
export type ReplyField = (typeof REPLY_FIELDS)[number];

export interface PlatformConfig {
  no: number;
  slug: string;
  /** The platform's name as in 附件2; the ticket channel is `platform:<name>`. */
  name: string;
  kind: PlatformKind;
  /** 管理部门 as written in 附件2. */
  manager: string;
  /** The unit of our directory that stands for the managing department (names differ: 市委信访局 → 市信访局), or null. */
  managerUnit: string | null;
  /**
   * merged-review: the directory unit that approves replies, resolved at load from managerUnit or
   * the manager's name through the unit resolver (aliases: 市政府办公室 → 市政府办); null otherwise.
   */
  reviewer: string | null;
  fields: Partial<Record<CaseField, string[]>>;
  /** The platform's category label → ours; unknown labels leave the choice to the classifier. */
  categories: Record<string, Category>;
  /** Interconnect only: the platform's status label → the mirror state. */
  statuses: Record<string, MirrorState>;
  /** Name of the environment variable holding the HMAC key. */
  secretEnv: string;
  /** The key itself, read from the environment at load; null disables push and reply-back. */
  secret: string | null;
  reply: ReplyTarget | null;
  poll: PollSource | null;
}

export const channelOf = (p: Pick<PlatformConfig, 'name'>) => `platform:${p.name}` as const;

/** `hotline-12315` → `SUBAN_PLATFORM_HOTLINE_12315_SECRET`. */
export const envPrefix = (slug: string) => `SUBAN_PLATFORM_${slug.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

interface ChannelRow {
  no: number;
  name: string;
  manager: string;
  kind: string;
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const DEFAULT_REPLY_FIELDS: Record<ReplyField, string> = { caseId: 'caseId', ticketNumber: 'ticketNumber', reply: 'reply', unit: 'unit', repliedAt: 'repliedAt', reviewedBy: 'reviewedBy' };

export interface PlatformCheckOptions {
  /** The platforms' settings (Config.platformEnv: SUBAN_PLATFORM_*); none when absent. */
  env?: Record<string, string | undefined>;
  /** When given, managerUnit must be one of these. */
  units?: ReadonlySet<string>;
  /**
   * Directory names for other spellings (createUnitResolver over the directory and
   * config/unit-aliases.yaml). When given, every merged-review platform's reviewer must resolve
   * to a unit, or loading fails: a reviewer no user belongs to means nobody but a supervisor can
   * approve its replies.
   */
  resolveUnit?: (name: string) => string | null;
}

/** The texts of the platform files: config/channels.json and config/platforms/*.yaml. */
export interface PlatformFiles {
  /** where channels.json is, and its text */
  channelsFile: string;
  channels: string;
  /** the directory of the mapping files, and each file's name (sorted) and text (a read error as the Error) */
  dir: string;
  mappings: { file: string; path: string; text: string | Error }[];
}

/** Check all platforms; throws one error listing every problem. */
export function parsePlatforms(files: PlatformFiles, opts: PlatformCheckOptions = {}): Map<string, PlatformConfig> {
  const { channelsFile, dir } = files;
  const env = opts.env ?? {};
  const rows = (JSON.parse(files.channels) as { channels: ChannelRow[] }).channels;
  const problems: string[] = [];
  const out = new Map<string, PlatformConfig>();
  const seenNames = new Set<string>();
  for (const { file: f, path: where, text } of files.mappings) {
    const slug = f.replace(/\.ya?ml$/, '');
    let doc: unknown;
    try {
      if (text instanceof Error) throw text;
      doc = parseYaml(text);
    } catch (e) {
      problems.push(`${where}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    const p = parsePlatform(slug, doc, rows, env, opts.units, opts.resolveUnit, (m) => problems.push(`${where}: ${m}`));
    if (!p) continue;
    if (seenNames.has(p.name)) problems.push(`${where}: a second file for ${p.name}`);
    seenNames.add(p.name);
    out.set(p.slug, p);
  }
  for (const r of rows) if (!seenNames.has(r.name)) problems.push(`${channelsFile}: no mapping file in ${dir} for platform ${r.no} ${r.name}`);
  if (problems.length) throw invalid('bad_platform_config', `平台配置有误:\n${problems.join('\n')}`, { problems });
  return out;
}

function parsePlatform(
  slug: string,
  doc: unknown,
  rows: ChannelRow[],
  env: Record<string, string | undefined>,
  units: ReadonlySet<string> | undefined,
  resolveUnit: ((name: string) => string | null) | undefined,
  bad: (m: string) => void,
): PlatformConfig | null {
  if (!SLUG.test(slug)) return bad(`file name must be a lowercase slug (a-z, 0-9, -)`), null;
  if (!doc || typeof doc !== 'object') return bad('expected a mapping'), null;
  const d = doc as Record<string, unknown>;
  const known = new Set(['name', 'managerUnit', 'fields', 'categories', 'statuses', 'secretEnv', 'reply', 'poll']);
  for (const k of Object.keys(d)) if (!known.has(k)) bad(`unknown key "${k}"`);
  const row = rows.find((r) => r.name === d.name);
  if (!row) return bad(`name "${String(d.name)}" is not a platform of channels.json`), null;
  if (!(PLATFORM_KINDS as readonly string[]).includes(row.kind)) return bad(`channels.json kind "${row.kind}" unknown`), null;
  const kind = row.kind as PlatformKind;

  const fields: Partial<Record<CaseField, string[]>> = {};
  const rawFields = (d.fields ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(rawFields)) {
    if (!(CASE_FIELDS as readonly string[]).includes(k)) {
      bad(`fields.${k}: not one of ${CASE_FIELDS.join(', ')}`);
      continue;
    }
    const list = Array.isArray(v) ? v : [v];
    if (!list.length || list.some((x) => typeof x !== 'string' || !x)) bad(`fields.${k}: a field name or a list of them`);
    else fields[k as CaseField] = list as string[];
  }
  if (!fields.caseId) bad('fields.caseId is required (the platform case id keeps deliveries idempotent)');
  if (!fields.content) bad('fields.content is required');
  if (kind === 'interconnect' && !fields.status) bad('fields.status is required for an interconnect platform (the mirror follows it)');

  const categories: Record<string, Category> = {};
  for (const [label, ours] of Object.entries((d.categories ?? {}) as Record<string, unknown>)) {
    if (!(CATEGORIES as readonly string[]).includes(ours as string)) bad(`categories.${label}: "${String(ours)}" is not one of ${CATEGORIES.join('/')}`);
    else categories[label] = ours as Category;
  }
  const statuses: Record<string, MirrorState> = {};
  for (const [label, st] of Object.entries((d.statuses ?? {}) as Record<string, unknown>)) {
    if (!(MIRROR_STATES as readonly string[]).includes(st as string)) bad(`statuses.${label}: "${String(st)}" is not one of ${MIRROR_STATES.join('/')}`);
    else statuses[label] = st as MirrorState;
  }
  if (kind === 'interconnect' && !Object.keys(statuses).length) bad('statuses are required for an interconnect platform');

  const managerUnit = typeof d.managerUnit === 'string' && d.managerUnit ? d.managerUnit : null;
  if (managerUnit && units && !units.has(managerUnit)) bad(`managerUnit "${managerUnit}" is not a unit of the directory`);
  let reviewer: string | null = null;
  if (kind === 'merged-review') {
    reviewer = managerUnit ?? (resolveUnit ? resolveUnit(row.manager) : row.manager);
    if (resolveUnit && (!reviewer || (units && !units.has(reviewer)))) {
      bad(`the managing department "${row.manager}" reviews replies but matches no unit of the directory: set managerUnit, or add an alias in config/unit-aliases.yaml`);
    }
  }

  const secretEnv = typeof d.secretEnv === 'string' ? d.secretEnv : `${envPrefix(slug)}_SECRET`;
  if (!/^[A-Z][A-Z0-9_]*$/.test(secretEnv)) bad(`secretEnv "${secretEnv}" is not an environment variable name`);
  const secret = env[secretEnv]?.trim() || null;

  let reply: ReplyTarget | null = null;
  if (d.reply !== undefined && d.reply !== null) {
    const r = d.reply as Record<string, unknown>;
    const url = env[`${envPrefix(slug)}_REPLY_URL`]?.trim() || (typeof r.url === 'string' ? r.url : '');
    if (!/^https?:\/\//.test(url)) bad('reply.url must be an http(s) URL');
    const out = { ...DEFAULT_REPLY_FIELDS };
    for (const [k, v] of Object.entries((r.fields ?? {}) as Record<string, unknown>)) {
      if (!(REPLY_FIELDS as readonly string[]).includes(k)) bad(`reply.fields.${k}: not one of ${REPLY_FIELDS.join(', ')}`);
      else if (typeof v !== 'string' || !v) bad(`reply.fields.${k}: a field name`);
      else out[k as ReplyField] = v;
    }
    reply = { url, fields: out };
  }
  // Interconnect: the original platform reviews and replies itself, so a reply target would be a mistake.
  if (kind === 'interconnect' && reply) bad('an interconnect platform replies on its own system: remove reply');
  if (kind !== 'interconnect' && !reply) bad(`a ${kind} platform needs reply.url (the hotline sends the reply back)`);

  let poll: PollSource | null = null;
  if (d.poll !== undefined && d.poll !== null) {
    const p = d.poll as Record<string, unknown>;
    const format = p.format as ExportFormat;
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) bad(`poll.format must be one of ${EXPORT_FORMATS.join('/')}`);
    const every = p.everyMinutes === undefined ? 15 : Number(p.everyMinutes);
    if (!Number.isInteger(every) || every < 1 || every > 1440) bad('poll.everyMinutes must be 1–1440');
    const encoding = typeof p.encoding === 'string' ? p.encoding : 'utf-8';
    try {
      new TextDecoder(encoding);
    } catch {
      bad(`poll.encoding "${encoding}" is not supported`);
    }
    const dir = env[`${envPrefix(slug)}_POLL_DIR`]?.trim() || (typeof p.dir === 'string' ? p.dir : '');
    if (!dir) bad('poll.dir is required');
    poll = { dir, format, everyMinutes: every, encoding, sheet: typeof p.sheet === 'string' ? p.sheet : null };
  }
  return { no: row.no, slug, name: row.name, kind, manager: row.manager, managerUnit, reviewer, fields, categories, statuses, secretEnv, secret, reply, poll };
}
