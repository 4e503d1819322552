/**
 * 现场照片 for a unit's reply: taken or chosen on a phone, scaled down, uploaded one by one
 * (POST /api/v1/attachments) and named in the reply; at most 6. Also the thumbnails a ticket's
 * timeline shows for them, each opening the full photo.
 */
import { useState } from 'preact/hooks';
import { uploadReplyPhoto, type ReplyPhoto } from '../photos.js';
import type { Attachment } from '../types.js';
import { ErrorBox } from './ui.js';

export const MAX_REPLY_PHOTOS = 6;

export function ReplyPhotoPicker({ value, onChange, onBusy }: { value: ReplyPhoto[]; onChange: (v: ReplyPhoto[]) => void; onBusy?: (busy: boolean) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const pick = async (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (!files.length) return;
    setBusy(true);
    onBusy?.(true);
    setError(null);
    const added: ReplyPhoto[] = [];
    try {
      if (files.length > MAX_REPLY_PHOTOS - value.length) setError(new Error(`最多 ${MAX_REPLY_PHOTOS} 张照片，多出的未添加`));
      for (const f of files.slice(0, MAX_REPLY_PHOTOS - value.length)) added.push(await uploadReplyPhoto(f));
    } catch (e) {
      setError(e);
    } finally {
      onChange([...value, ...added]);
      setBusy(false);
      onBusy?.(false);
    }
  };
  const full = value.length >= MAX_REPLY_PHOTOS;
  return (
    <div class="reply-photos">
      <label class={`btn reply-photo-btn${busy || full ? ' disabled' : ''}`}>
        {busy ? '正在上传…' : `＋ 现场照片（${value.length}/${MAX_REPLY_PHOTOS}）`}
        <input type="file" accept="image/jpeg,image/png,image/webp" multiple class="sr-only" aria-label="添加现场照片" data-testid="reply-photo-input" disabled={busy || full} onChange={(e) => void pick(e.currentTarget)} />
      </label>
      {value.length ? (
        <ul class="grid-thumbs" aria-label="已选照片">
          {value.map((p, i) => (
            <li key={p.id}>
              <img src={p.preview} alt={`现场照片 ${i + 1}`} />
              <button type="button" class="btn btn-small" aria-label={`删除照片 ${i + 1}`} onClick={() => onChange(value.filter((x) => x !== p))}>
                删除
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}

/** Thumbnails of a reply's photos; each opens the full photo in a new tab. */
export function PhotoThumbs({ items, label = '现场照片' }: { items: Attachment[]; label?: string }) {
  const photos = items.filter((a) => a.kind === 'image' && a.url.startsWith('/') && !a.url.startsWith('//'));
  if (!photos.length) return null;
  return (
    <ul class="photo-thumbs" aria-label={label}>
      {photos.map((a, i) => (
        <li key={a.url}>
          <a href={a.url} target="_blank" rel="noopener" title="查看原图">
            <img src={a.url} alt={`${label} ${i + 1}`} loading="lazy" />
          </a>
        </li>
      ))}
    </ul>
  );
}
