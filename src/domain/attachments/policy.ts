/**
 * What may be attached: the extension must be allowed by configuration, the size within the limit,
 * and for the binary types the first bytes must match the format (a renamed executable is refused).
 */
import type { AttachmentPolicy } from './model';

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip',
};

const IMAGE_EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/jpg': 'jpg', 'image/gif': 'gif' };

/** Leading bytes by extension; extensions not listed are not sniffed. */
const MAGIC: Record<string, number[][]> = {
  png: [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  jpg: [[0xff, 0xd8, 0xff]],
  jpeg: [[0xff, 0xd8, 0xff]],
  gif: [[0x47, 0x49, 0x46, 0x38]],
  pdf: [[0x25, 0x50, 0x44, 0x46, 0x2d]],
  docx: [[0x50, 0x4b, 0x03, 0x04]],
  xlsx: [[0x50, 0x4b, 0x03, 0x04]],
  pptx: [[0x50, 0x4b, 0x03, 0x04]],
  zip: [[0x50, 0x4b, 0x03, 0x04]],
};
const TEXT_TYPES = new Set(['txt', 'log', 'csv']);

export function contentTypeOf(ext: string): string {
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** The extension of an inline image's MIME type ("image/png" → "png"), or null. */
export function imageExtension(mime: string): string | null {
  return IMAGE_EXT[mime.toLowerCase().split(';')[0].trim()] ?? null;
}

/** Lower-case extension of a file name without the dot ("Captura.PNG" → "png"), or "". */
export function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name.trim());
  return m ? m[1].toLowerCase() : '';
}

/**
 * A file name safe to show and to offer back: no path, no control characters, bounded length,
 * keeping the extension.
 */
export function safeFileName(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  let s = String(name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').split(/[\\/]/).pop()!.trim();
  if (!s || s === '.' || s === '..') s = fallback;
  if (s.length > 120) {
    const ext = extensionOf(s);
    s = `${s.slice(0, 110)}${ext ? `….${ext}` : '…'}`;
  }
  return s;
}

/** The image format of pasted bytes (Teams sends inline images as "image/*"), or null. */
export function sniffImage(bytes: Buffer): 'png' | 'jpg' | 'gif' | null {
  for (const ext of ['png', 'jpg', 'gif'] as const) if (MAGIC[ext].some((sig) => sig.every((b, i) => bytes[i] === b))) return ext;
  return null;
}

export type PolicyVerdict = { ok: true } | { ok: false; reason: 'type' | 'too_big' | 'empty' | 'content' };

export function checkType(ext: string, policy: AttachmentPolicy): PolicyVerdict {
  return ext && policy.types.includes(ext) ? { ok: true } : { ok: false, reason: 'type' };
}

/** Size and content check of the downloaded bytes. */
export function checkContent(ext: string, bytes: Buffer, policy: AttachmentPolicy): PolicyVerdict {
  if (bytes.length === 0) return { ok: false, reason: 'empty' };
  if (bytes.length > policy.maxBytes) return { ok: false, reason: 'too_big' };
  const magic = MAGIC[ext];
  if (magic && !magic.some((sig) => sig.every((b, i) => bytes[i] === b))) return { ok: false, reason: 'content' };
  if (TEXT_TYPES.has(ext) && bytes.subarray(0, 8192).includes(0)) return { ok: false, reason: 'content' };
  return { ok: true };
}
