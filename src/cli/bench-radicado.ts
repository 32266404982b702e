/**
 * Benchmark child: files tickets as fast as it can through the real repository on a database shared
 * with other processes (a SQLite file, or a postgres:// URL), for a fixed time.
 * argv: dbPath|url durationMs year. Waits for {go:true} from the parent, answers {count, ms}.
 */
import { randomUUID } from 'node:crypto';
import { openStorage } from '../storage';

async function main() {
  const [dbPath, durationArg, yearArg] = process.argv.slice(2);
  const durationMs = Number(durationArg);
  const year = Number(yearArg);
  const pg = /^postgres(ql)?:\/\//.test(dbPath);
  const storage = openStorage(pg ? { dbPath: ':memory:', databaseUrl: dbPath, databasePoolSize: 2 } : { dbPath });
  await storage.ready();
  const repo = storage.tickets;
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
  await storage.close();
  process.send!({ count, ms }, () => process.exit(0));
}

void main().catch((err) => {
  process.send?.({ error: (err as Error).stack });
  process.exit(1);
});
