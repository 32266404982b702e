/**
 * Benchmark child: files tickets as fast as it can through the real repository
 * (dist/storage/sqlite-tickets.js) on a database file shared with other processes, for a fixed time.
 * argv: dbPath durationMs year. Waits for {go:true} from the parent, answers {count, ms}.
 */
import { randomUUID } from 'node:crypto';
import { migrate, openDb } from '../storage/db';
import { SqliteTicketRepository } from '../storage/sqlite-tickets';

async function main() {
  const [dbPath, durationArg, yearArg] = process.argv.slice(2);
  const durationMs = Number(durationArg);
  const year = Number(yearArg);
  const db = openDb(dbPath);
  migrate(db);
  const repo = new SqliteTicketRepository(db);
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send!({ ready: true });
  });
  const t0 = Date.now();
  let count = 0;
  while (Date.now() - t0 < durationMs) {
    await repo.create(
      {
        submissionKey: `${process.pid}:${randomUUID()}`,
        requester: { oid: `bench-proc-${process.pid}`, tenantId: 'tenant-1', name: 'Bench', email: 'bench@entidad.gov.co' },
        locale: 'es',
        phone: '300 123 4567',
        contactChannel: 'teams',
        categoryId: 'bench',
        serviceId: 'bench',
        templateId: 'solicitud-acceso-remoto',
        fieldValues: { accessType: 'vpn' },
        description: 'Necesito VPN para trabajar desde casa.',
        priority: 'medium',
        createdAt: new Date(),
      },
      'MDA',
      year,
      () => [],
    );
    count++;
  }
  const ms = Date.now() - t0;
  db.close();
  process.send!({ count, ms }, () => process.exit(0));
}

void main().catch((err) => {
  process.send?.({ error: (err as Error).stack });
  process.exit(1);
});
