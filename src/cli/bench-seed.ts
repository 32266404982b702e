/**
 * Benchmark data: migrates a database file with the real migrations, then bulk-inserts tickets in
 * one better-sqlite3 transaction (synchronous=OFF only while seeding) and sets the radicado counter.
 */
import { loadCatalog } from '../app';
import { migrate, openDb } from '../storage/db';
import { seedUser } from './bench-load';

export interface SeedOptions {
  count: number;
  year: number;
  catalogPath: string;
  /** Status of ticket n (1-based). */
  status: (n: number, count: number) => string;
}

const ASSIGNEES = [
  { oid: '00000000-0000-0000-0000-0000000000g1', name: 'Iván Ingeniero' },
  { oid: '00000000-0000-0000-0000-0000000000g2', name: 'Laura Ingeniera' },
];

export function seedTickets(dbPath: string, o: SeedOptions): { ms: number } {
  const t0 = Date.now();
  const catalog = loadCatalog(o.catalogPath);
  const templateId = 'solicitud-acceso-remoto';
  const loc = catalog.locate(templateId);
  const template = catalog.findTemplate(templateId);
  if (!loc || !template) throw new Error(`catalog ${o.catalogPath} has no template ${templateId}`);
  const db = openDb(dbPath);
  migrate(db);
  db.pragma('synchronous = OFF');
  const insert = db.prepare(`INSERT INTO tickets (id, radicado, tenant_id, requester_oid, requester_name, requester_email,
      requester_department, locale, phone, contact_channel, category_id, route_category_id, service_id, template_id, field_values, description,
      priority, status, assignee_oid, assignee_name, created_at, updated_at, resolved_at, closed_at, phone_erased_at, queue_order)
    VALUES (?, ?, 'tenant-1', ?, ?, ?, 'Planeación', 'es', ?, 'teams', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // Steady state: the phone retention (PHONE_RETENTION_DAYS, 180) has already erased the phones of
  // cases closed longer ago, so the bots under test do not spend the measured phases erasing them.
  const erasedBefore = Date.now() - 180 * 86400_000;
  const fields = JSON.stringify({ accessType: 'vpn', startDate: `${o.year}-12-01` });
  const start = Date.UTC(o.year, 0, 1, 5);
  const step = Math.max(1, Math.floor((330 * 86400_000) / o.count));
  db.transaction(() => {
    for (let n = 1; n <= o.count; n++) {
      const u = seedUser(n);
      const status = o.status(n, o.count);
      const at = new Date(start + n * step).toISOString();
      const assignee = status === 'new' ? null : ASSIGNEES[n % 2];
      const done = status === 'closed' || status === 'resolved' ? at : null;
      const erased = status === 'closed' && start + n * step < erasedBefore;
      insert.run(
        n,
        `MDA-${o.year}-${String(n).padStart(6, '0')}`,
        u.oid,
        u.name,
        `usuario${n % 1000}@entidad.gov.co`,
        erased ? null : '300 123 4567',
        loc.category.id,
        // As a filing sets them: the queue it is routed to, and its place in the queue (one past the last).
        loc.category.id,
        loc.service.id,
        templateId,
        fields,
        `Solicitud de prueba número ${n}: necesito VPN para trabajar desde casa.`,
        template.priority,
        status,
        assignee?.oid ?? null,
        assignee?.name ?? null,
        at,
        at,
        done,
        status === 'closed' ? at : null,
        erased ? at : null,
        n,
      );
    }
    // The requesters are known users (profile cached within its TTL), as in steady state.
    const profile = db.prepare('INSERT OR REPLACE INTO profiles (oid, tenant_id, data, fetched_at) VALUES (?, ?, ?, ?)');
    const now = new Date().toISOString();
    for (let i = 0; i < Math.min(o.count, 1000); i++) {
      const u = seedUser(i);
      profile.run(u.oid, 'tenant-1', JSON.stringify({ oid: u.oid, tenantId: 'tenant-1', name: u.name, email: `usuario${i}@entidad.gov.co`, department: 'Planeación', roles: ['employee'] }), now);
    }
    db.prepare(
      `INSERT INTO radicado_counters (prefix, year, last) VALUES ('MDA', ?, ?)
       ON CONFLICT (prefix, year) DO UPDATE SET last = excluded.last`,
    ).run(o.year, o.count);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  return { ms: Date.now() - t0 };
}
