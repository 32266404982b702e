/**
 * `npm run export-tickets -- --from 2026-11-01 --to 2026-11-30 [--lang es|en]`: writes the tickets
 * CSV under EXPORT_DIR with the same domain function as the supervisors' "exportar casos" command,
 * and prints the file and the row count. Reads DB_PATH (or DATABASE_URL), CATALOG_PATH and EXPORT_DIR; needs no
 * bot credentials. A missing database is refused (exit 2), not created.
 */
import { loadCatalog, slaCalendar } from '../app';
import { ConfigError, rawEnvironment, readEnv } from '../config';
import { DateRangeError, parseDateRange } from '../domain/reports/tickets-export';
import { openStorage } from '../storage';
import { writeTicketsExport } from '../reports/ticket-export-file';
import { missingDatabase } from './tool-config';

const USAGE = 'usage: npm run export-tickets -- --from YYYY-MM-DD --to YYYY-MM-DD [--lang es|en]';

export function parseArgs(argv: string[]): { from: string; to: string; lang: 'es' | 'en' } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(from|to|lang)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unknown argument "${argv[i]}"\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value\n${USAGE}`);
    args.set(m[1], value);
  }
  const from = args.get('from');
  const to = args.get('to');
  if (!from || !to) throw new Error(`--from and --to are required\n${USAGE}`);
  const lang = args.get('lang') ?? 'es';
  if (lang !== 'es' && lang !== 'en') throw new Error(`--lang must be es or en\n${USAGE}`);
  return { from, to, lang };
}

/** Runs the export; returns the process exit code. */
export async function runExportCli(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void, now = new Date()): Promise<number> {
  let args;
  let cfg;
  try {
    args = parseArgs(argv);
    cfg = readEnv(env, { requireBotCredentials: false });
  } catch (e) {
    err(e instanceof ConfigError ? e.message : (e as Error).message);
    return 2;
  }
  // A bad range is explained before anything else; then the database: SQLite at DB_PATH, or
  // PostgreSQL with DATABASE_URL, never a new empty one.
  try {
    parseDateRange(args.from, args.to, slaCalendar(cfg));
  } catch (e) {
    if (!(e instanceof DateRangeError)) throw e;
    err(`invalid date range: ${e.message}\n${USAGE}`);
    return 2;
  }
  const missing = await missingDatabase(cfg);
  if (missing) {
    err(missing);
    return 2;
  }
  const storage = openStorage(cfg);
  try {
    await storage.ready();
    const res = await writeTicketsExport({
      data: storage.reports,
      catalog: loadCatalog(cfg.catalogPath),
      dir: cfg.exportDir,
      from: args.from,
      to: args.to,
      locale: args.lang,
      now,
      calendar: slaCalendar(cfg),
    });
    out(`${res.rows} tickets -> ${res.path}`);
    return 0;
  } catch (e) {
    err(e instanceof DateRangeError ? `invalid date range: ${e.message}\n${USAGE}` : `export failed: ${(e as Error).message}`);
    return e instanceof DateRangeError ? 2 : 1;
  } finally {
    await storage.close();
  }
}

if (require.main === module) {
  runExportCli(process.argv.slice(2), rawEnvironment(), console.log, console.error).then((code) => process.exit(code));
}
