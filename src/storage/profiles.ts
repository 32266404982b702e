/** Cached directory profiles, on either engine. */
import type { ProfileRepository, UserProfile } from '../domain/ports';
import type { Sql } from './sql';

/**
 * How long this process takes its own last read or write of a profile as what is stored: a person's
 * turns within it cost no statement for it (it was one read per turn; a round trip on PostgreSQL).
 * Another instance's refetch reaches this one within this time; the profile's own time-to-live
 * (PROFILE_TTL_MINUTES) still decides when the directory is asked again.
 */
const TRUSTED_MS = 60_000;
/** Profiles remembered; beyond this the memory starts over. */
const REMEMBERED = 10_000;

type Cached = { profile: UserProfile; fetchedAt: Date };

/** Shared by every turn that reads it: frozen, so no caller can change what the next one gets. */
function frozen(c: Cached): Cached {
  for (const v of Object.values(c.profile)) if (Array.isArray(v)) Object.freeze(v);
  Object.freeze(c.profile);
  return Object.freeze(c);
}

export class SqlProfiles implements ProfileRepository {
  private readonly known = new Map<string, { cached: Cached | null; until: number }>();

  constructor(private readonly q: Sql) {}

  async get(oid: string) {
    const now = Date.now();
    const known = this.known.get(oid);
    if (known && now < known.until) return known.cached;
    const r = await this.q.one<{ data: string; fetched_at: string }>('SELECT data, fetched_at FROM profiles WHERE oid = ?', [oid]);
    const cached = r ? frozen({ profile: JSON.parse(r.data) as UserProfile, fetchedAt: new Date(r.fetched_at) }) : null;
    this.remember(oid, cached, now);
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
    this.remember(profile.oid, frozen({ profile: JSON.parse(data) as UserProfile, fetchedAt: new Date(at.toISOString()) }), Date.now());
  }

  private remember(oid: string, cached: Cached | null, now: number) {
    if (this.known.size >= REMEMBERED) this.known.clear();
    this.known.set(oid, { cached, until: now + TRUSTED_MS });
  }
}
