/**
 * `npm run migrate-to-postgres -- --from ./data/mesa-ayuda.db --to postgres://user:pass@host/db [--attachments ./data/attachments]`
 * Copies an existing SQLite database into an empty PostgreSQL database (ids, radicados, counters,
 * history hashes, outbox, bot state, attachment files). Stop the bot first; start it afterwards with DATABASE_URL.
 */
import { rawEnvironment, readEnv } from '../config';
import { copySqliteToPostgres } from '../storage/pg/copy-from-sqlite';
import { missingDatabase } from './tool-config';

export async function main(argv: string[], out: (line: string) => void = console.log, env: NodeJS.ProcessEnv = rawEnvironment()): Promise<number> {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const from = arg('from');
  const to = arg('to');
  if (!from || !to || !/^postgres(ql)?:\/\//.test(to)) {
    out('Usage: npm run migrate-to-postgres -- --from ./data/mesa-ayuda.db --to postgres://user:password@host:5432/database');
    return 2;
  }
  // The source is read, never created: a mistyped --from must not copy an empty new database.
  const missing = await missingDatabase({ dbPath: from }, '--from');
  if (missing) {
    out(missing);
    return 2;
  }
  out(`Copying ${from} into ${to.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')} …`);
  try {
    // Attachment files: --attachments, else ATTACHMENTS_DIR (the folder the SQLite bot wrote them to).
    const attachmentsDir = arg('attachments') ?? readEnv({ ...env, BOT_ALLOW_ANONYMOUS: 'true' }, { requireBotCredentials: false }).attachments.dir;
    const report = await copySqliteToPostgres({ from, to, attachmentsDir, log: out });
    if (report.blobs.missing.length) out(`Warning: ${report.blobs.missing.length} attachment file(s) were not found and cannot be served.`);
    out(`Done: ${report.tables.tickets ?? 0} tickets, ${report.tables.ticket_events ?? 0} history events (hash chains verified). Start the bot with DATABASE_URL set.`);
    return 0;
  } catch (err) {
    out(`Not copied: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
