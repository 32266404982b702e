import fs from 'node:fs';
import path from 'node:path';
import type { ExportSink } from '../domain/personal-data';

/** Writes exports into EXPORT_DIR, readable by the owner only, atomically (temporary file + rename). */
export class DirectoryExportSink implements ExportSink {
  constructor(private readonly dir: string) {}
  async write(fileName: string, content: string) {
    const base = path.basename(fileName);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, base);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, content, { mode: 0o600 });
    fs.renameSync(tmp, file);
    return path.resolve(file);
  }
}
