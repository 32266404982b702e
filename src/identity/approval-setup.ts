/**
 * Start-up check of the approvals set-up across the catalog and the directory file: every rule a
 * template or service names can find someone, and every manager, delegate, group member and
 * absence in the directory is readable. Pure: reads two parsed objects, returns fix-it lines.
 */
import { awayEnd, GROUP_NAME, parseRule, type ApprovalPolicy, type ApproverRule } from '../domain/approvals/policy';
import type { CatalogService } from '../domain/catalog';
import { delegateRefs, type DirectoryEntry, type FileDirectory } from './file-directory';

/** Thrown by checkApprovalSetup (src/config-files.ts); `details` has one fix-it line per problem. */
export class ApprovalSetupError extends Error {
  override readonly name = 'ApprovalSetupError';
  constructor(
    message: string,
    readonly details: string[],
  ) {
    super(message);
  }
}

const ROLE_WORDS = { area_manager: 'head of area (area_manager)', secretary: 'secretary' } as const;

/** One line per problem, in catalog order then directory order; [] when approvals can work. */
export function approvalSetupProblems(catalog: CatalogService, directory: FileDirectory): string[] {
  const problems: string[] = [];
  const file = directory.origin;

  const checkRule = (owner: string, key: 'by' | 'escalateTo', rule: ApproverRule) => {
    const parsed = parseRule(rule);
    if (!parsed) return; // The catalog schema already refused it.
    if (parsed.kind === 'area_manager' || parsed.kind === 'secretary') {
      const role = parsed.kind;
      const anyone = directory.users.some((u) => u.oid && u.roles.includes(role) && u.department?.trim());
      if (!anyone) {
        problems.push(
          `${owner} approval.${key} asks the ${parsed.kind} of the requester's department to approve, but no user in ${file} has the role ${parsed.kind}, an "oid" and a "department": add "department" (and the Entra object id "oid") to each ${ROLE_WORDS[parsed.kind]} in "users", or choose another rule`,
        );
      }
    } else if (parsed.kind === 'group') {
      const members = directory.approverGroups[parsed.group];
      if (members === undefined) {
        problems.push(
          `${owner} approval.${key} asks the group "${parsed.group}" to approve, but ${file} defines no such group: add "approverGroups": { "${parsed.group}": ["persona@entidad.gov.co"] } or fix the name`,
        );
      } else if (!members.some((ref) => directory.lookup(ref)?.oid)) {
        problems.push(
          `${owner} approval.${key} asks the group "${parsed.group}" to approve, but nobody in approverGroups."${parsed.group}" is a user with an "oid" in ${file}: list at least one such user's e-mail or object id`,
        );
      }
    }
    // "manager" cannot be checked here: Graph's /me/manager answers per person at sign-in.
  };
  const checkPolicy = (owner: string, policy: ApprovalPolicy | undefined) => {
    if (!policy) return;
    checkRule(owner, 'by', policy.by);
    if (policy.escalateTo) checkRule(owner, 'escalateTo', policy.escalateTo);
  };
  for (const category of catalog.catalog.categories) {
    for (const service of category.services) {
      checkPolicy(`service "${service.id}"`, service.approval);
      for (const template of service.templates) checkPolicy(`template "${template.id}"`, template.approval);
    }
  }

  /** Problems of one reference to a person; `what` says where it is written. */
  const checkRef = (what: string, ref: string, self?: DirectoryEntry) => {
    const entry = directory.lookup(ref);
    if (!entry) {
      problems.push(`${what} "${ref}" matches no user in ${file}: write the e-mail or object id of a user listed in "users" (and add that user if missing)`);
    } else if (!entry.oid) {
      problems.push(`${what} "${ref}" is a user without "oid" in ${file}: add their Entra object id, the bot reaches approvers by it`);
    } else if (self && entry === self) {
      problems.push(`${what} "${ref}" is the user themself: name someone else (nobody approves their own request)`);
    }
  };
  directory.users.forEach((u, i) => {
    const who = `${file} users[${i}]${u.email || u.name ? ` (${u.email ?? u.name})` : ''}`;
    if (u.manager !== undefined) checkRef(`${who} manager`, u.manager, u);
    const delegates = delegateRefs(u);
    delegates.forEach((ref, j) => checkRef(`${who} delegate${Array.isArray(u.delegate) ? `[${j}]` : ''}`, ref, u));
    if ((u.manager !== undefined || delegates.length > 0) && !u.oid && !u.email) {
      problems.push(`${who} has a manager or delegate but neither "oid" nor "email": add one so the user can be found`);
    }
    if (u.awayUntil !== undefined && awayEnd(u.awayUntil) === undefined) {
      problems.push(
        `${who} awayUntil "${u.awayUntil}" is not a date: write an ISO date such as "2026-03-13" (away through that day, Bogotá time) or a date-time such as "2026-03-13T12:00" (Bogotá) or "2026-03-13T17:00:00Z"`,
      );
    }
  });
  for (const [name, members] of Object.entries(directory.approverGroups)) {
    const where = `${file} approverGroups."${name}"`;
    if (!GROUP_NAME.test(name)) {
      problems.push(`${where}: the name must be a kebab-case slug (lowercase letters, digits and single hyphens, e.g. "aprobadores-correo") so the catalog can name it as "group:${name.toLowerCase()}"`);
    }
    if (members.length === 0) problems.push(`${where} lists nobody: add the e-mail or object id of at least one user, or remove the group`);
    members.forEach((ref, j) => checkRef(`${where}[${j}]`, ref));
  }
  return problems;
}
