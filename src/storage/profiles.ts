/** Cached directory profiles, on either engine. */
import { RecentMemory } from '../domain/bounded-memo';
import type { ProfileRepository, UserProfile } from '../domain/ports';
import type { Sql } from './sql';

type Cached = { profile: UserProfile; fetchedAt: Date };

/** A stored profile as every turn that reads it shares it: frozen, so no caller can change what the next one gets. */
function cachedOf(data: string, fetchedAt: string): Cached {
  const c: Cached = { profile: JSON.parse(data) as UserProfile, fetchedAt: new Date(fetchedAt) };
  for (const v of Object.values(c.profile)) if (Array.isArray(v)) Object.freeze(v);
  Object.freeze(c.profile);
  return Object.freeze(c);
}

export class SqlProfiles implements ProfileRepository {
  /**
   * The profile this process last read or wrote per person (or that there is none), trusted for a
   * minute: a person's turns within it cost no statement for it (it was one read per turn; a round trip
   * on PostgreSQL). Another instance's refetch is seen after the minute; the profile's own
   * time-to-live (PROFILE_TTL_MINUTES) still decides when the directory is asked again.
   */
  private readonly known = new RecentMemory<Cached | null>();

  constructor(private readonly q: Sql) {}

  async get(oid: string) {
    const known = this.known.recall(oid);
    if (known) return known.value;
    const r = await this.q.one<{ data: string; fetched_at: string }>('SELECT data, fetched_at FROM profiles WHERE oid = ?', [oid]);
    const cached = r ? cachedOf(r.data, r.fetched_at) : null;
    this.known.remember(oid, cached);
    return cached;
  }

  async save(profile: UserProfile, at: Date) {
    // A cache (refetched after its TTL, or when lost): not worth a wait for the disk on the turn.
    const data = JSON.stringify(profile);
    await this.q.runRelaxed(
      `INSERT INTO profiles (oid, tenant_id, data, fetched_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (oid) DO UPDATE SET tenant_id = excluded.tenant_id, data = excluded.data, fetched_at = excluded.fetched_at`,
      [profile.oid, profile.tenantId, data, at],
    );
    // What a read gives back: the stored JSON, and the time as the engine returns it (to the millisecond).
    this.known.remember(profile.oid, cachedOf(data, at.toISOString()));
  }
}
