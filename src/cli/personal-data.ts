/**
 * Personal data from the command line (Ley 1581 de 2012), on the database at DB_PATH (or DATABASE_URL):
 *   npm run export-person -- <e-mail|UPN|object id>       JSON file under EXPORT_DIR; prints its path
 *   npm run anonymise-person -- <e-mail|UPN|object id> [--dry-run]
 *   npm run erase-phones                                   the retention job once (PHONE_RETENTION_DAYS)
 * Exit code 0 on success, 1 when the person is not found or ambiguous, 2 on bad usage/configuration
 * or a missing database.
 */
import os from 'node:os';
import { PersonalDataService, type Operator } from '../domain/personal-data';
import { systemClock } from '../domain/ports';
import { DirectoryExportSink } from '../storage/export-dir';
import { openStorage } from '../storage';
import { TicketAccess } from '../domain/access';
import { AttachmentService } from '../domain/attachments';
import { missingDatabase, toolConfigOrExplain } from './tool-config';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const dryRun = rest.includes('--dry-run');
  const who = rest.find((a) => !a.startsWith('--'));
  if (!['export', 'anonymise', 'erase-phones'].includes(command ?? '') || (command !== 'erase-phones' && !who)) {
    console.error('usage: personal-data export <who> | anonymise <who> [--dry-run] | erase-phones   (who: e-mail, UPN or Entra object id)');
    return 2;
  }
  const cfg = toolConfigOrExplain();
  if (!cfg) return 2;
  // DB_PATH, or the PostgreSQL database of DATABASE_URL; never a new empty one.
  const missing = await missingDatabase(cfg);
  if (missing) {
    console.error(missing);
    return 2;
  }
  const storage = openStorage({ dbPath: cfg.dbPath, databaseUrl: cfg.databaseUrl, databasePoolSize: 2, dbBusyTimeoutMs: cfg.dbBusyTimeoutMs });
  try {
    await storage.ready();
    // Anonymising deletes the person's attached files (bytes no other attachment uses).
    const access = new TicketAccess(storage.tickets, storage.queues, storage.members, storage.attachments);
    const files = new AttachmentService(storage.attachments, storage.tickets, storage.queues, storage.blobs(cfg.attachmentsDir), systemClock, { maxBytes: 0, types: [] }, access);
    const service = new PersonalDataService(storage.personalData, new DirectoryExportSink(cfg.exportDir), systemClock, files);
    const by: Operator = { oid: `cli:${os.userInfo().username}`, name: `CLI (${os.userInfo().username})` };
    if (command === 'erase-phones') {
      const erased = await service.erasePhones(cfg.phoneRetentionDays);
      console.log(`Erased the contact phone of ${erased.length} ticket(s) closed more than ${cfg.phoneRetentionDays} days ago${erased.length ? `: ${erased.join(', ')}` : ''}`);
      return 0;
    }
    const out =
      command === 'export' ? await service.exportPerson(who!, by) : dryRun ? await service.previewAnonymise(who!) : await service.anonymise(who!, by);
    switch (out.status) {
      case 'not_found':
        console.error(`No stored data about ${who}.`);
        return 1;
      case 'ambiguous':
        console.error(`${who} matches several people: ${out.oids.join(', ')}. Use the object id.`);
        return 1;
      case 'exported':
        console.log(out.path);
        console.error(`Exported ${out.tickets} ticket(s) and ${out.events} event(s) of ${out.oid}.`);
        return 0;
      case 'preview':
        console.log(`Would anonymise ${out.radicados.length} closed/cancelled ticket(s) of ${out.oid}: ${out.radicados.join(', ') || '-'}`);
        return 0;
      case 'anonymised':
        console.log(`Anonymised ${out.radicados.length} ticket(s) of ${out.oid}: ${out.radicados.join(', ') || '-'}`);
        return 0;
    }
    return 2;
  } finally {
    await storage.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`personal-data failed: ${(err as Error).message}`);
    process.exitCode = 2;
  },
);
