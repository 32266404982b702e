/**
 * The local directory file (DIRECTORY_PATH): roles by e-mail or Entra object id, Entra group ids per
 * role and job-title patterns. Serves production role mapping and local development with the
 * Playground's mock users.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ROLES, type Role } from '../domain/types';

const role = z.enum(ROLES);
const schema = z.object({
  users: z
    .array(
      z.object({
        oid: z.string().optional(),
        email: z.string().optional(),
        name: z.string().optional(),
        roles: z.array(role).default([]),
        phone: z.string().optional(),
        department: z.string().optional(),
        jobTitle: z.string().optional(),
      }),
    )
    .default([]),
  groups: z.record(z.string(), z.array(role)).default({}),
  jobTitles: z.array(z.object({ pattern: z.string(), roles: z.array(role) })).default([]),
});

export type DirectoryFile = z.infer<typeof schema>;
export type DirectoryEntry = DirectoryFile['users'][number];

export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
}

export class FileDirectory {
  private readonly byOid = new Map<string, DirectoryEntry>();
  private readonly byEmail = new Map<string, DirectoryEntry>();
  private readonly titlePatterns: { re: RegExp; roles: Role[] }[];

  constructor(private readonly data: DirectoryFile) {
    for (const u of data.users) {
      if (u.oid) this.byOid.set(u.oid.toLowerCase(), u);
      if (u.email) this.byEmail.set(u.email.toLowerCase(), u);
    }
    this.titlePatterns = data.jobTitles.map((j) => ({ re: new RegExp(j.pattern, 'iu'), roles: j.roles }));
  }

  static empty(): FileDirectory {
    return new FileDirectory({ users: [], groups: {}, jobTitles: [] });
  }

  /** Loads and validates the file; a missing file is an empty directory. */
  static load(file: string): FileDirectory {
    if (!fs.existsSync(file)) return FileDirectory.empty();
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new DirectoryError(`DIRECTORY_PATH ${file} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new DirectoryError(
        `DIRECTORY_PATH ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    for (const j of parsed.data.jobTitles) {
      try {
        new RegExp(j.pattern, 'iu');
      } catch {
        throw new DirectoryError(`DIRECTORY_PATH ${file}: jobTitles pattern "${j.pattern}" is not a valid regular expression`);
      }
    }
    return new FileDirectory(parsed.data);
  }

  find(oid: string | undefined, email: string | undefined): DirectoryEntry | undefined {
    return (oid && this.byOid.get(oid.toLowerCase())) || (email ? this.byEmail.get(email.toLowerCase()) : undefined);
  }

  /** Users listed with the supervisor role (SLA escalations and low scores go to them). */
  supervisors(): { oid?: string; name?: string }[] {
    return this.data.users.filter((u) => u.roles.includes('supervisor')).map((u) => ({ oid: u.oid, name: u.name }));
  }

  /** Roles from the user entry, group memberships and job title; always includes employee. */
  rolesFor(input: { oid?: string; email?: string; groups?: string[]; jobTitle?: string }): Role[] {
    const roles = new Set<Role>(['employee']);
    for (const r of this.find(input.oid, input.email)?.roles ?? []) roles.add(r);
    for (const g of input.groups ?? []) for (const r of this.data.groups[g] ?? []) roles.add(r);
    if (input.jobTitle) for (const p of this.titlePatterns) if (p.re.test(input.jobTitle)) p.roles.forEach((r) => roles.add(r));
    return ROLES.filter((r) => roles.has(r));
  }
}
