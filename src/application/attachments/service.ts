/**
 * Photos people upload: one check (JPEG, PNG or WebP by their magic bytes, a size limit) and one
 * writer for every form that takes photos — the grid workers' reports, the 协办/现场 forms, and a
 * unit's reply on the ticket page.
 *
 * Two places to keep them (a PhotoStore, application/ports/photo-store.ts):
 * - `grid`: `<media>/grid/<uuid>.<ext>`, served at `/media/grid/…` to signed-in users (names are
 *   unguessable); the grid pages and the 现场 forms link them into events by URL.
 * - `ticket`: `<media>/attachments/<uuid>.<ext>` (never served by /media/), its record in the state
 *   store (`attachment` scope): who uploaded it and, once a reply carries it, the ticket it belongs
 *   to. `GET /api/v1/attachments/:id` serves it to whoever may read that ticket (the uploader before).
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../../domain/clock.js';
import { AppError, forbidden, invalid, notFound } from '../../domain/errors.js';
import type { Principal } from '../../domain/policy.js';
import type { Attachment, Ticket } from '../../domain/tickets/ticket.js';
import type { StateStore } from '../ports/misc.js';
import type { PhotoStore } from '../ports/photo-store.js';

/** Largest photo accepted, decoded (the forms scale photos down to about 1600 px before sending). */
export const MAX_PHOTO_BYTES = 6 * 1024 * 1024;
/** Photos one reply may carry. */
export const MAX_REPLY_PHOTOS = 6;
/** What a base64 body of MAX_PHOTO_BYTES is at most (with a data: prefix). */
export const MAX_PHOTO_BODY = Math.ceil(MAX_PHOTO_BYTES * 1.4);

export type PhotoType = 'jpg' | 'png' | 'webp';
export const PHOTO_MIME: Record<PhotoType, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
const PHOTO_TYPES: { ext: PhotoType; test: (b: Buffer) => boolean }[] = [
  { ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { ext: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { ext: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

const SCOPE = 'attachment';
const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ATTACHMENT_URL_PREFIX = '/api/v1/attachments/';

/** The record of a ticket photo (state store, scope `attachment`). */
export interface AttachmentRecord {
  id: string;
  ext: PhotoType;
  bytes: number;
  uploadedBy: string;
  uploadedAt: string;
  /** the ticket whose reply carries it; null until then */
  ticketId: string | null;
}

/**
 * A photo sent as base64 or a data: URL, checked: the bytes must be a JPEG, PNG or WebP whatever
 * the data: URL claims, and at most MAX_PHOTO_BYTES.
 */
export function decodePhoto(data: string): { bytes: Buffer; ext: PhotoType } {
  const raw = data.replace(/^data:[a-z]+\/[a-z0-9+.-]+;base64,/i, '');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(raw)) throw invalid('bad_photo', '照片数据无效(需为 base64)');
  // Judged on the length before decoding the whole body.
  if (Math.floor((raw.replace(/\s/g, '').length * 3) / 4) > MAX_PHOTO_BYTES + 3) throw new AppError('too_large', 'photo_too_large', '照片过大(最大 6 MB)');
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length > MAX_PHOTO_BYTES) throw new AppError('too_large', 'photo_too_large', '照片过大(最大 6 MB)');
  const type = PHOTO_TYPES.find((t) => t.test(bytes));
  if (!type) throw invalid('bad_photo', '只接受 JPEG、PNG 或 WebP 照片');
  return { bytes, ext: type.ext };
}

export class AttachmentService {
  constructor(private readonly d: { photos: PhotoStore; state: StateStore; clock: Clock }) {}

  /** A grid or 现场 photo: stored under /media/grid/, its URL returned for the form's event. */
  async storeGridPhoto(data: string): Promise<{ url: string }> {
    const { bytes, ext } = decodePhoto(data);
    const name = `${randomUUID()}.${ext}`;
    await this.d.photos.put('grid', name, bytes);
    return { url: `/media/grid/${name}` };
  }

  /** A photo for a ticket reply: stored privately, owned by its uploader until a reply carries it. */
  async storeTicketPhoto(p: Principal, data: string): Promise<{ id: string; url: string; type: string; bytes: number }> {
    const { bytes, ext } = decodePhoto(data);
    const id = randomUUID();
    await this.d.photos.put('attachments', `${id}.${ext}`, bytes);
    const now = this.d.clock.now();
    const rec: AttachmentRecord = { id, ext, bytes: bytes.length, uploadedBy: p.id, uploadedAt: now.toISOString(), ticketId: null };
    await this.d.state.put(SCOPE, id, rec, now);
    return { id, url: `${ATTACHMENT_URL_PREFIX}${id}`, type: PHOTO_MIME[ext], bytes: bytes.length };
  }

  private async record(id: string): Promise<AttachmentRecord | null> {
    if (!ID_RE.test(id)) return null;
    return this.d.state.get<AttachmentRecord>(SCOPE, id, this.d.clock.now());
  }

  /**
   * The photos a reply to `ticketId` may carry: each uploaded by `p` and not already on another
   * ticket. Returns them as the reply event's attachments (`/api/v1/attachments/<id>`, the id in
   * the URL); `link` records the ticket.
   */
  async forReply(p: Principal, ticketId: string, ids: string[]): Promise<Attachment[]> {
    if (new Set(ids).size !== ids.length) throw invalid('duplicate_attachment', '同一张照片不能重复添加');
    if (ids.length > MAX_REPLY_PHOTOS) throw invalid('too_many_photos', `每次反馈最多 ${MAX_REPLY_PHOTOS} 张照片`);
    const out: Attachment[] = [];
    for (const id of ids) {
      const r = await this.record(id);
      if (!r || r.uploadedBy !== p.id) throw invalid('unknown_attachment', `照片 ${id} 不存在或不是你上传的`, { field: 'attachmentIds' });
      if (r.ticketId && r.ticketId !== ticketId) throw invalid('attachment_in_use', '这张照片已用于另一张工单', { field: 'attachmentIds' });
      out.push({ kind: 'image', url: `${ATTACHMENT_URL_PREFIX}${id}` });
    }
    return out;
  }

  /** Records the ticket whose reply carries these photos: from now on its readers may fetch them. */
  async link(ticketId: string, ids: string[]): Promise<void> {
    const now = this.d.clock.now();
    for (const id of ids) {
      const r = await this.record(id);
      if (r && r.ticketId !== ticketId) await this.d.state.put(SCOPE, id, { ...r, ticketId }, now);
    }
  }

  /**
   * A photo for `p`: the uploader's own, or one on a ticket `p` may read (`readTicket` throws when
   * not) and that the ticket's attachments list. Anyone else: 403.
   */
  async open(p: Principal, id: string, readTicket: (ticketId: string) => Promise<Ticket>): Promise<{ body: Readable; type: string; bytes: number }> {
    const r = await this.record(id);
    if (!r) throw notFound('attachment', id);
    let allowed = r.uploadedBy === p.id;
    if (!allowed && r.ticketId) {
      const t = await readTicket(r.ticketId).catch((e: unknown) => {
        if (e instanceof AppError && (e.kind === 'not_found' || e.kind === 'forbidden')) return null;
        throw e;
      });
      allowed = !!t && t.attachments.some((a) => a.url === `${ATTACHMENT_URL_PREFIX}${id}`);
    }
    if (!allowed) throw forbidden('无权查看这张照片');
    const body = await this.d.photos.open('attachments', `${r.id}.${r.ext}`);
    if (!body) throw notFound('attachment', id);
    return { body, type: PHOTO_MIME[r.ext], bytes: r.bytes };
  }
}
