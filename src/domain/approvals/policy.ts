/**
 * Approvals, the catalog and directory side: who must approve a request before it enters the
 * support queue (a template's or service's `approval` block), the port the approvals service uses
 * to find those people, and the few pure helpers both sides share (rule syntax, department
 * comparison, the `awayUntil` date). No I/O here.
 */

/** Who approves: a role of the requester's department, the requester's manager, or a named group. */
export type ApproverRule = 'area_manager' | 'secretary' | 'manager' | `group:${string}`;

export interface ApprovalPolicy {
  by: ApproverRule;
  /** Who is asked too when `by` has not decided within escalateAfterHours working hours. */
  escalateTo?: ApproverRule;
  /** Working hours (SLA calendar) after which the pending approvers get one reminder. Default 4. */
  remindAfterHours: number;
  /** Working hours after which the request escalates to `escalateTo`. Default 8. */
  escalateAfterHours: number;
}

export const DEFAULT_REMIND_AFTER_HOURS = 4;
export const DEFAULT_ESCALATE_AFTER_HOURS = 8;

export interface Person {
  oid: string;
  name: string;
}

/** What a requester is, as the approver rules need it. */
export interface ApprovalRequester {
  oid: string;
  email?: string;
  department?: string;
  managerOid?: string;
  managerName?: string;
}

/** The port the approvals service uses to find approvers; FileDirectory implements it. */
export interface ApproverDirectory {
  /** Who approves under `rule` for this requester, in a stable order; never the requester themself; [] when nobody. */
  approversFor(rule: ApproverRule, requester: ApprovalRequester): Person[];
  /** Who may decide on behalf of `approverOid`: their configured delegate(s); else the secretaries of the approver's department (never the approver). */
  delegatesOf(approverOid: string): Person[];
  /**
   * Whether the approver is marked away at `now`: the directory's `awayUntil` is an exclusive end.
   * A date ("2026-03-13") means away through the end of that day in Bogotá; a date-time without an
   * offset is Bogotá time; one with `Z` or an offset is that instant. See {@link awayEnd}.
   */
  isAway(oid: string, now: Date): boolean;
}

/** Group names are kebab-case slugs, like catalog ids: `group:aprobadores-correo`. */
export const GROUP_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export type ParsedRule =
  | { kind: 'area_manager' | 'secretary' | 'manager' }
  | { kind: 'group'; group: string };

/** Reads a rule's text; undefined when it is not one of the four kinds (or the group is not a slug). */
export function parseRule(text: string): ParsedRule | undefined {
  if (text === 'area_manager' || text === 'secretary' || text === 'manager') return { kind: text };
  if (text.startsWith('group:')) {
    const group = text.slice('group:'.length);
    return GROUP_NAME.test(group) ? { kind: 'group', group } : undefined;
  }
  return undefined;
}

/**
 * A department name as compared for approvals: trimmed, inner spaces collapsed, no accents, lower
 * case ("  Planeación " and "PLANEACION" are the same department).
 */
export function departmentKey(department: string | undefined): string {
  if (!department) return '';
  return department.normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Bogotá is UTC−5 all year (no daylight saving time). */
const BOGOTA_OFFSET = '-05:00';
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * The exclusive end of an `awayUntil` value, or undefined when it is not an ISO date or date-time.
 * - "2026-03-13": away through the end of that day in Bogotá (until 2026-03-14 00:00 −05:00).
 * - "2026-03-13T12:00": until noon Bogotá time; "2026-03-13T17:00:00Z" / "…+01:00": that instant.
 * Impossible calendar dates ("2026-02-30") are refused rather than rolled over.
 */
export function awayEnd(text: string): Date | undefined {
  const value = text.trim();
  const date = DATE_ONLY.exec(value);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const utc = new Date(Date.UTC(y, m - 1, d));
    if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== m - 1 || utc.getUTCDate() !== d) return undefined;
    const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
    return new Date(`${next}T00:00:00${BOGOTA_OFFSET}`);
  }
  const dt = DATE_TIME.exec(value);
  if (!dt) return undefined;
  if (awayEnd(value.slice(0, 10)) === undefined) return undefined;
  const [hh, mm] = [Number(value.slice(11, 13)), Number(value.slice(14, 16))];
  if (hh > 23 || mm > 59) return undefined;
  const at = new Date(dt[1] ? value : `${value}${BOGOTA_OFFSET}`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * A text naming who must approve under a rule, phrased for the requester's card
 * ("el jefe de área de Planeación" / "the head of area of Planeación"). Without a department the
 * role rules say "de su dependencia" / "of your department".
 */
export function describeRule(rule: ApproverRule, locale: 'es' | 'en', department?: string): string {
  const dept = department?.trim();
  const parsed = parseRule(rule);
  if (!parsed) return rule;
  switch (parsed.kind) {
    case 'area_manager':
      if (locale === 'en') return dept ? `the head of area of ${dept}` : 'the head of area of your department';
      return dept ? `el jefe de área de ${dept}` : 'el jefe de área de su dependencia';
    case 'secretary':
      if (locale === 'en') return dept ? `the secretary of ${dept}` : 'the secretary of your department';
      return dept ? `la secretaria de ${dept}` : 'la secretaria de su dependencia';
    case 'manager':
      return locale === 'en' ? 'your manager' : 'su jefe inmediato';
    case 'group':
      return locale === 'en' ? `the approvers group "${parsed.group}"` : `el grupo de aprobadores "${parsed.group}"`;
  }
}
