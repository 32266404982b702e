import type { ProfileRepository, UserProfile } from '../../src/domain/ports';
import { FileDirectory } from '../../src/identity/file-directory';
import { IdentityService, type RosterProfile } from '../../src/identity/identity-service';

/** The profile cache, kept in a map (the SQL repository is tested in storage.test.ts). */
function memoryProfiles(): ProfileRepository {
  const rows = new Map<string, { profile: UserProfile; fetchedAt: Date }>();
  return {
    async get(oid) {
      return rows.get(oid) ?? null;
    },
    async save(profile, at) {
      rows.set(profile.oid, { profile: JSON.parse(JSON.stringify(profile)), fetchedAt: at });
    },
  };
}

describe('IdentityService and the manager from Graph', () => {
  let now = Date.parse('2026-03-02T15:00:00Z');
  const identity = new IdentityService(memoryProfiles(), FileDirectory.empty(), { now: () => new Date(now) }, 60_000, async () => false);
  const resolve = (fetched: RosterProfile | null) =>
    identity.resolve({ oid: 'o-pedro', tenantId: 't', refresh: true, fetchProfile: async () => fetched });

  it('copies the fetched manager, keeps the cached one when a later fetch has none, and takes a new one', async () => {
    expect(await resolve({ name: 'Pedro', managerOid: 'o-jorge', managerName: 'Jorge' })).toMatchObject({ managerOid: 'o-jorge', managerName: 'Jorge' });
    now += 1000;
    // /me/manager failed this time (or the roster answered): the cached manager stays.
    expect(await resolve({ name: 'Pedro' })).toMatchObject({ name: 'Pedro', managerOid: 'o-jorge', managerName: 'Jorge' });
    expect(await resolve(null)).toMatchObject({ managerOid: 'o-jorge', managerName: 'Jorge' });
    // A new manager comes as a pair: no name from Graph does not keep the old name.
    const moved = await resolve({ name: 'Pedro', managerOid: 'o-marta' });
    expect(moved.managerOid).toBe('o-marta');
    expect(moved.managerName).toBeUndefined();
  });
});
