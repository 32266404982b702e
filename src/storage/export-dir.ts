import fs from 'node:fs';
import path from 'node:path';
import type { ExportSink } from '../domain/personal-data';

/**
 * Writes `content` as a new file in `dir` and returns its path; never replaces a file. The name is
 * kept when free, else `-2`, `-3`… goes before the extension (`casos_…_20261202T150000-2.csv`), so two
 * exports in the same second both survive. The file appears complete or not at all: it is written
 * aside and then hard-linked to its name, which fails instead of overwriting when another export took
 * the name meanwhile (another process too).
 */
export function writeNewFile(dir: string, name: string, content: string, opts: { dirMode?: number; fileMode?: number } = {}): string {
  const base = path.basename(name);
  fs.mkdirSync(dir, { recursive: true, ...(opts.dirMode !== undefined ? { mode: opts.dirMode } : {}) });
  const ext = path.extname(base);
  const stem = base.slice(0, base.length - ext.length);
  const tmp = path.join(dir, `.${stem}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(tmp, content, opts.fileMode !== undefined ? { mode: opts.fileMode } : {});
  try {
    for (let n = 1; ; n++) {
      const file = path.join(dir, n === 1 ? base : `${stem}-${n}${ext}`);
      try {
        fs.linkSync(tmp, file);
        return path.resolve(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Writes exports into EXPORT_DIR, readable by the owner only, atomically, never over an earlier one. */
export class DirectoryExportSink implements ExportSink {
  constructor(private readonly dir: string) {}
  async write(fileName: string, content: string) {
    return writeNewFile(this.dir, fileName, content, { dirMode: 0o700, fileMode: 0o600 });
  }
}
