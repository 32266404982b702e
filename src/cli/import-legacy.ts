/**
 * `npm run import-legacy -- --file export.csv [--dry-run] [--tenant <id>]`
 *
 * Imports the previous service desk's cases (CSV, columns in README) as tickets with imported=true,
 * keeping their radicados, so "estado del radicado X" and "mis casos" answer for them. Malformed
 * lines are reported (line number and reason) and skipped; running it again changes nothing (cases
 * already imported are left as they are, except that a requester the directory now knows is linked).
 * --dry-run validates and counts everything on a throwaway copy: the database is not created or changed.
 * The database must exist (the bot creates it when it first starts) unless --create is given.
 */
import fs from 'node:fs';
import { loadCatalog } from '../app';
import { readEnv, rawEnvironment, type Config } from '../config';
import type { CatalogService } from '../domain/catalog';
import { fold, LegacyFormatError, legacyRequesterOid, parseLegacyCsv, type ImportedTicket, type ImportOutcome, type LegacyCase, type LegacyProblem } from '../domain/legacy-import';
import { FileDirectory } from '../identity/file-directory';
import { t, type MessageKey } from '../i18n';
import { openLegacyImport } from '../storage';
import { missingDatabase } from './tool-config';

export interface ImportReport {
  read: number;
  /** Cases stored by this run. */
  inserted: number;
  /** Cases already imported by an earlier run (left as they are, except for a requester now linked). */
  unchanged: number;
  /** Cases of this run (new or already imported) linked to a directory person by it. */
  linked: number;
  skipped: LegacyProblem[];
  dryRun: boolean;
}

const BATCH = 500;

/** Matches the old service name to a catalog service (by id or by its Spanish or English name). */
function serviceMatcher(catalog: CatalogService) {
  const byName = new Map<string, { categoryId: string; serviceId: string }>();
  for (const c of catalog.catalog.categories) {
    for (const s of c.services) {
      for (const key of [s.id, s.name.es, s.name.en]) byName.set(fold(key), { categoryId: c.id, serviceId: s.id });
    }
  }
  // Unknown services keep their old name; the cards show it as is.
  return (service: string) => byName.get(fold(service)) ?? { categoryId: 'legacy', serviceId: service };
}

export async function importLegacy(
  cfg: Config,
  opts: { text: string; dryRun: boolean; tenantId: string },
): Promise<ImportReport> {
  const { cases, problems } = parseLegacyCsv(opts.text, { prefix: cfg.radicadoPrefix });
  const catalog = loadCatalog(cfg.catalogPath);
  const directory = FileDirectory.load(cfg.directoryPath);
  const matchService = serviceMatcher(catalog);
  const toTicket = (c: LegacyCase): ImportedTicket => {
    const known = directory.find(undefined, c.email);
    return {
      line: c.line,
      radicado: c.radicado,
      tenantId: opts.tenantId,
      requester: { oid: legacyRequesterOid(c.email, known?.oid), name: c.name ?? known?.name ?? c.email, email: c.email },
      ...matchService(c.service),
      status: c.status,
      description: c.description,
      resolution: c.resolution,
      assigneeName: c.assignee,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      closedAt: c.closedAt,
    };
  };
  const report: ImportReport = { read: cases.length + problems.length, inserted: 0, unchanged: 0, linked: 0, skipped: [...problems], dryRun: opts.dryRun };
  // SQLite at DB_PATH, or PostgreSQL with DATABASE_URL. A dry run works on a copy that is thrown away.
  const { repo, finish } = await openLegacyImport(cfg, opts.dryRun);
  try {
    for (let i = 0; i < cases.length; i += BATCH) {
      const batch = cases.slice(i, i + BATCH).map(toTicket);
      const outcomes: ImportOutcome[] = await repo.importBatch(batch, cfg.radicadoPrefix);
      outcomes.forEach((o, k) => {
        const linkedToPerson = !batch[k].requester.oid.startsWith('legacy:');
        if (o === 'taken') report.skipped.push({ line: batch[k].line, reason: 'taken', detail: batch[k].radicado });
        else if (o === 'inserted') {
          report.inserted++;
          // A new case whose requester the directory knows is linked to them right away.
          if (linkedToPerson) report.linked++;
        } else {
          // Already imported; 'linked': its requester was unknown before and the directory knows them now.
          report.unchanged++;
          if (o === 'linked') report.linked++;
        }
      });
    }
  } finally {
    await finish();
  }
  report.skipped.sort((a, b) => a.line - b.line);
  return report;
}

const REASON_KEYS: Record<LegacyProblem['reason'], MessageKey> = {
  columns: 'importReasonColumns',
  radicado: 'importReasonRadicado',
  date: 'importReasonDate',
  email: 'importReasonEmail',
  service: 'importReasonService',
  status: 'importReasonStatus',
  description: 'importReasonDescription',
  too_long: 'importReasonTooLong',
  repeated: 'importReasonRepeated',
  taken: 'importReasonTaken',
  unterminated: 'importReasonUnterminated',
};

/** The report as the operator reads it (Spanish unless --lang en). */
export function formatReport(r: ImportReport, locale: 'es' | 'en' = 'es'): string {
  const lines = r.skipped.map((p) => t(locale, 'importSkippedLine', { line: p.line, reason: t(locale, REASON_KEYS[p.reason], { value: p.detail ?? '' }) }));
  lines.push(
    t(locale, r.dryRun ? 'importSummaryDryRun' : 'importSummary', {
      read: r.read,
      inserted: r.inserted,
      unchanged: r.unchanged,
      linked: r.linked,
      skipped: r.skipped.length,
    }),
  );
  return lines.join('\n');
}

interface Args {
  file?: string;
  dryRun: boolean;
  /** Create the database when it does not exist (a first import before the bot ever ran). */
  create: boolean;
  tenant?: string;
  lang: 'es' | 'en';
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { dryRun: false, create: false, lang: 'es' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--dry-run') a.dryRun = true;
    else if (k === '--create') a.create = true;
    else if (k === '--file' || k === '--tenant' || k === '--lang') {
      const v = argv[++i];
      if (!v) return `${k} needs a value`;
      if (k === '--file') a.file = v;
      else if (k === '--tenant') a.tenant = v;
      else a.lang = v === 'en' ? 'en' : 'es';
    } else return `unknown argument ${k}`;
  }
  return a;
}

const USAGE = 'usage: npm run import-legacy -- --file export.csv [--dry-run] [--create] [--tenant <Entra tenant id>] [--lang es|en]';

/** The CLI: returns the exit code (0 ok, 1 some lines skipped, 2 nothing done). */
export async function main(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string' || !args.file) {
    err(`${typeof args === 'string' ? args : '--file is required'}\n${USAGE}`);
    return 2;
  }
  // The importer serves no HTTP: the bot's authentication and tenant settings do not apply to it.
  const cfg = readEnv({ ...env, BOT_ALLOW_ANONYMOUS: 'true' }, { requireBotCredentials: false });
  const only = cfg.tenants.mode === 'list' && cfg.tenants.ids.length === 1 ? cfg.tenants.ids[0] : undefined;
  const tenantId = args.tenant ?? cfg.auth.tenantId ?? only;
  if (!tenantId) {
    err(`The tenant of the imported cases is unknown: pass --tenant <Entra tenant id>, or set MicrosoftAppTenantId (or exactly one ALLOWED_TENANT_IDS).\n${USAGE}`);
    return 2;
  }
  // A mistyped DB_PATH must not import into a new database the bot never reads.
  const missing = args.create ? null : await missingDatabase(cfg);
  if (missing) {
    err(`${missing}\nTo import before the bot's first start, add --create.\n${USAGE}`);
    return 2;
  }
  let text: string;
  try {
    text = fs.readFileSync(args.file, 'utf8');
  } catch (e) {
    err(`${args.file}: ${(e as Error).message}`);
    return 2;
  }
  try {
    const report = await importLegacy(cfg, { text, dryRun: args.dryRun, tenantId });
    out(formatReport(report, args.lang));
    return report.skipped.length ? 1 : 0;
  } catch (e) {
    if (e instanceof LegacyFormatError) {
      err(`${args.file}: ${e.message}. See README, "Import old cases", for the accepted columns.`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), rawEnvironment(), (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`${s}\n`)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(2);
    },
  );
}
