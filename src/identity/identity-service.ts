/**
 * Who the user is: the Entra object id and tenant of the authenticated activity, a profile from the
 * roster (and Graph when SSO is configured), cached in SQLite with a time-to-live, and roles derived
 * on the server from the directory file, groups, job titles and support-team membership.
 */
import type { Clock, ProfileRepository, UserProfile } from '../domain/ports';
import type { FileDirectory } from './file-directory';

export interface RosterProfile {
  name?: string;
  email?: string;
  upn?: string;
  department?: string;
  jobTitle?: string;
  phone?: string;
  groups?: string[];
  /** Entra object id and display name of the person's manager (Graph /me/manager). */
  managerOid?: string;
  managerName?: string;
}

export interface IdentityInput {
  oid: string;
  tenantId: string;
  /** Display name on the activity: used only when nothing better is known. */
  activityName?: string;
  /** Fetches roster/Graph data; called only when the cached profile is missing or stale. */
  fetchProfile: () => Promise<RosterProfile | null>;
  /** Ignore a fresh cached profile and fetch again (e.g. right after the user signed in). */
  refresh?: boolean;
}

export class IdentityService {
  constructor(
    private readonly profiles: ProfileRepository,
    private readonly directory: FileDirectory,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly isSupportMember: (oid: string) => Promise<boolean>,
  ) {}

  /** The directory's roles of someone (the tab's local sign-in lists them); support teams add 'agent' on resolve(). */
  rolesOf(user: { oid: string; email?: string }) {
    return this.directory.rolesFor({ oid: user.oid, email: user.email });
  }

  async resolve(input: IdentityInput): Promise<UserProfile> {
    const now = this.clock.now();
    const cached = await this.profiles.get(input.oid);
    if (!input.refresh && cached && cached.profile.tenantId === input.tenantId && now.getTime() - cached.fetchedAt.getTime() < this.ttlMs) {
      return cached.profile;
    }
    let fetched: RosterProfile | null = null;
    try {
      fetched = await input.fetchProfile();
    } catch {
      fetched = null;
    }
    const entry = this.directory.find(input.oid, fetched?.email ?? cached?.profile.email);
    const email = fetched?.email ?? cached?.profile.email ?? entry?.email;
    const jobTitle = fetched?.jobTitle ?? entry?.jobTitle ?? cached?.profile.jobTitle;
    const groups = fetched?.groups ?? cached?.profile.groups;
    const roles = this.directory.rolesFor({ oid: input.oid, email, groups, jobTitle });
    if (!roles.includes('agent') && (await this.isSupportMember(input.oid))) roles.splice(roles.indexOf('employee') + 1, 0, 'agent');
    const manager = fetched?.managerOid ? fetched : cached?.profile;
    const profile: UserProfile = {
      oid: input.oid,
      tenantId: input.tenantId,
      name: fetched?.name ?? entry?.name ?? cached?.profile.name ?? input.activityName ?? 'Usuario',
      email,
      upn: fetched?.upn ?? cached?.profile.upn,
      department: fetched?.department ?? entry?.department ?? cached?.profile.department,
      jobTitle,
      phone: fetched?.phone ?? entry?.phone ?? cached?.profile.phone,
      groups,
      // The manager is a pair: the fetched one when Graph named one, else the cached one.
      managerOid: manager?.managerOid,
      managerName: manager?.managerName,
      roles,
    };
    if (fetched || !cached) await this.profiles.save(profile, now);
    return profile;
  }
}
