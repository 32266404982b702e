/**
 * Moving file bytes to and from Teams: bounded downloads of what users send (size cap enforced
 * while reading, timeout) and uploads to the OneDrive upload session Teams hands out on file consent
 * (PUT with Content-Range, in chunks). Plain http is refused unless the bot runs anonymously (local).
 */

export class TransferError extends Error {
  override readonly name = 'TransferError';
  constructor(readonly reason: 'too_big' | 'failed', message: string) {
    super(message);
  }
}

export interface TransferOptions {
  timeoutMs: number;
  /** Accept http: URLs (local development and tests only). */
  allowHttp: boolean;
}

function checkUrl(raw: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TransferError('failed', 'not a URL');
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw new TransferError('failed', `refused ${url.protocol} URL`);
  return url;
}

/** Downloads at most `maxBytes`; more is TransferError('too_big'), anything else going wrong 'failed'. */
export async function download(rawUrl: string, opts: TransferOptions & { maxBytes: number; headers?: Record<string, string> }): Promise<Buffer> {
  const url = checkUrl(rawUrl, opts.allowHttp);
  let res: Response;
  try {
    res = await fetch(url, { headers: opts.headers, redirect: 'follow', signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (err) {
    throw new TransferError('failed', (err as Error).message);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new TransferError('failed', `HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new TransferError('too_big', `declared ${declared} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > opts.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new TransferError('too_big', `more than ${opts.maxBytes} bytes`);
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    if (err instanceof TransferError) throw err;
    throw new TransferError('failed', (err as Error).message);
  }
  return Buffer.concat(chunks, size);
}

/** OneDrive upload sessions take chunks that are multiples of 320 KiB; 16 × 320 KiB = 5 MiB. */
export const UPLOAD_CHUNK_BYTES = 16 * 320 * 1024;

/** Uploads the bytes to a file-consent `uploadUrl` with PUT + Content-Range, chunk by chunk. */
export async function upload(rawUrl: string, bytes: Buffer, opts: TransferOptions): Promise<void> {
  const url = checkUrl(rawUrl, opts.allowHttp);
  const total = bytes.length;
  for (let start = 0; start < total; start += UPLOAD_CHUNK_BYTES) {
    const end = Math.min(start + UPLOAD_CHUNK_BYTES, total) - 1;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'PUT',
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(end - start + 1),
          'content-range': `bytes ${start}-${end}/${total}`,
        },
        body: bytes.subarray(start, end + 1),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      throw new TransferError('failed', (err as Error).message);
    }
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) throw new TransferError('failed', `HTTP ${res.status}`);
  }
}
