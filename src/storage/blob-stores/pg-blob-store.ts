/**
 * Content-addressed file bytes in the shared PostgreSQL database (attachment_blobs), so that every
 * instance serves every file. Engine-specific on purpose: one SQLite instance keeps its files on disk
 * (file-blob-store.ts) instead of in the database file.
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../../domain/attachments';
import type { Sql } from '../sql';
import { BlobCorruptedError } from './file-blob-store';

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export class PgBlobStore implements BlobStore {
  constructor(private readonly q: Sql) {}

  async put(bytes: Buffer): Promise<string> {
    const sha = sha256Of(bytes);
    await this.q.run('INSERT INTO attachment_blobs (sha256, bytes) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING', [sha, bytes]);
    return sha;
  }

  async delete(sha256: string): Promise<boolean> {
    return (await this.q.run('DELETE FROM attachment_blobs WHERE sha256 = ?', [sha256])).changes > 0;
  }

  async get(sha256: string): Promise<Buffer | null> {
    const r = await this.q.one<{ bytes: Buffer }>('SELECT bytes FROM attachment_blobs WHERE sha256 = ?', [sha256]);
    if (!r) return null;
    if (sha256Of(r.bytes) !== sha256) throw new BlobCorruptedError(sha256);
    return r.bytes;
  }
}
