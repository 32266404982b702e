/** Cached directory profiles, on either engine. */
import type { ProfileRepository, UserProfile } from '../domain/ports';
import type { Sql } from './sql';

export class SqlProfiles implements ProfileRepository {
  constructor(private readonly q: Sql) {}

  async get(oid: string) {
    const r = await this.q.one<{ data: string; fetched_at: string }>('SELECT data, fetched_at FROM profiles WHERE oid = ?', [oid]);
    return r ? { profile: JSON.parse(r.data) as UserProfile, fetchedAt: new Date(r.fetched_at) } : null;
  }

  async save(profile: UserProfile, at: Date) {
    // A cache (refetched after its TTL, or when lost): not worth a wait for the disk on the turn.
    await this.q.runRelaxed(
      `INSERT INTO profiles (oid, tenant_id, data, fetched_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (oid) DO UPDATE SET tenant_id = excluded.tenant_id, data = excluded.data, fetched_at = excluded.fetched_at`,
      [profile.oid, profile.tenantId, JSON.stringify(profile), at],
    );
  }
}
