/**
 * Content-addressed file storage on disk: `{dir}/{sha[0..2]}/{sha}`. Written to a temporary
 * file, fsynced and renamed, so a crash never leaves a half file under a checksum name; read back
 * only after the checksum matches.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../../domain/attachments';

export class BlobCorruptedError extends Error {
  override readonly name = 'BlobCorruptedError';
  constructor(readonly sha256: string) {
    super(`stored file ${sha256} does not match its checksum`);
  }
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export class FileBlobStore implements BlobStore {
  constructor(readonly dir: string) {}

  /** Where the bytes with this checksum live. */
  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a SHA-256 checksum');
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(bytes: Buffer): Promise<string> {
    const sha = sha256Of(bytes);
    const file = this.pathOf(sha);
    const existing = await fs.stat(file).catch(() => null);
    if (existing?.size === bytes.length) return sha;
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
    return sha;
  }

  async delete(sha256: string): Promise<boolean> {
    try {
      await fs.unlink(this.pathOf(sha256));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async get(sha256: string): Promise<Buffer | null> {
    const bytes = await fs.readFile(this.pathOf(sha256)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (bytes && sha256Of(bytes) !== sha256) throw new BlobCorruptedError(sha256);
    return bytes;
  }
}
