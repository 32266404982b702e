/**
 * Supervisors, on either engine: the directory file's users with the supervisor role plus every
 * cached profile (Graph groups, job titles) that carries it; reachable when a 1:1 conversation
 * reference exists.
 */
import type { StaffDirectory } from '../domain/ports';
import type { Sql } from './sql';

export class SqlStaffDirectory implements StaffDirectory {
  constructor(private readonly q: Sql, private readonly fromDirectory: () => { oid?: string; name?: string }[]) {}

  async supervisors(tenantId: string) {
    const byOid = new Map<string, { oid: string; name: string }>();
    for (const u of this.fromDirectory()) if (u.oid) byOid.set(u.oid, { oid: u.oid, name: u.name ?? '' });
    const rows = await this.q.all<{ oid: string; tenant_id: string; data: string }>(`SELECT oid, tenant_id, data FROM profiles WHERE data LIKE '%supervisor%'`);
    for (const r of rows) {
      try {
        const p = JSON.parse(r.data) as { name?: string; roles?: string[] };
        if (r.tenant_id === tenantId && p.roles?.includes('supervisor')) byOid.set(r.oid, { oid: r.oid, name: p.name ?? byOid.get(r.oid)?.name ?? '' });
      } catch {
        /* a corrupt cached profile is not a supervisor */
      }
    }
    return [...byOid.values()];
  }

  async reachable(oid: string) {
    return !!(await this.q.one('SELECT 1 FROM conversation_refs WHERE key = ?', [`user:${oid}`]));
  }
}
