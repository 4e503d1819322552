/**
 * Photos from a phone or a desk: scaled down in the browser before they are sent (a weak signal,
 * a 12-megapixel camera), then checked again by the server (JPEG, PNG or WebP by their bytes).
 * The grid pages and a unit's reply use the same scaling.
 */
import { post } from './api.js';

/** Longest side, in pixels, a photo is sent at. */
export const PHOTO_MAX_SIDE = 1600;

/** A photo scaled down to at most 1600 px on its long side, as a JPEG data URL (small enough for a weak signal). */
export async function shrink(file: File): Promise<string> {
  const src = await new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(new Error('无法读取照片'));
    r.readAsDataURL(file);
  });
  const img = await new Promise<HTMLImageElement>((resolve, reject) => {
    const i = new Image();
    i.onload = () => resolve(i);
    i.onerror = () => reject(new Error('不是可识别的图片'));
    i.src = src;
  });
  const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight, 1));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
  canvas.getContext('2d')!.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/jpeg', 0.85);
}

/** A reply photo as the server keeps it (POST /api/v1/attachments), with the scaled copy to preview. */
export interface ReplyPhoto {
  id: string;
  url: string;
  preview: string;
}

export async function uploadReplyPhoto(file: File): Promise<ReplyPhoto> {
  const data = await shrink(file);
  const r = await post<{ id: string; url: string }>('/api/v1/attachments', { data });
  return { id: r.id, url: r.url, preview: data };
}
