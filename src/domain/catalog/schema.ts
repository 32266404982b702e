/**
 * The service catalog model (categories → services → templates) and its validation.
 * The caller reads the JSON file; this module only checks and types it.
 */
import { z } from 'zod';
import { LocalizedText, Priority, PRIORITIES, Role, ROLES } from '../types';
import {
  DEFAULT_ESCALATE_AFTER_HOURS,
  DEFAULT_REMIND_AFTER_HOURS,
  GROUP_NAME,
  type ApprovalPolicy,
  type ApproverRule,
} from '../approvals/policy';

export const FIELD_TYPES = ['text', 'multiline', 'choice', 'date', 'number', 'phone'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Field ids that every ticket form already has; templates must not redefine them. */
export const RESERVED_FIELD_IDS = ['description', 'phone', 'contactChannel'] as const;
export type ReservedFieldId = (typeof RESERVED_FIELD_IDS)[number];

export interface FieldChoice {
  value: string;
  label: LocalizedText;
}

/** One input of a template's form. `regex` must match the whole value (unicode mode). */
export interface FieldDef {
  id: string;
  type: FieldType;
  label: LocalizedText;
  placeholder?: LocalizedText;
  required: boolean;
  regex?: string;
  maxLength?: number;
  min?: number;
  max?: number;
  /** Date fields only: "today" opens the form with today's date in Bogotá. */
  default?: 'today';
  choices?: FieldChoice[];
}

export interface Sla {
  firstResponseHours: number;
  resolutionHours: number;
}

export interface Template {
  id: string;
  name: LocalizedText;
  description: LocalizedText;
  /** Missing or empty: everyone may use it. */
  audience?: Role[];
  fields: FieldDef[];
  priority: Priority;
  retired?: boolean;
  sla?: Sla;
  /**
   * Words people use for this need, in either language ("impresora", "no imprime", "printer"):
   * with the name and description, they match a problem typed in the chat to this template.
   */
  keywords?: string[];
  /** Someone must approve before the case enters the support queue; overrides the service's. */
  approval?: ApprovalPolicy;
  /**
   * 'problem' (the default): something fails, so "Guardar" first offers an open major incident of the
   * service and the knowledge base's articles. 'request': something is asked for (an account, an
   * extension, equipment), which no outage affects and no article answers: filed straight away.
   */
  kind?: 'problem' | 'request';
}

export interface Service {
  id: string;
  name: LocalizedText;
  description: LocalizedText;
  /** Missing or empty: everyone may use it. */
  audience?: Role[];
  /** Approval for every template of the service that has none of its own. */
  approval?: ApprovalPolicy;
  templates: Template[];
}

export interface Category {
  id: string;
  name: LocalizedText;
  description: LocalizedText;
  services: Service[];
}

export interface Catalog {
  version: 1;
  /** Whom to contact with questions (extension, e-mail…). */
  contact: LocalizedText;
  categories: Category[];
}

/** Thrown by {@link parseCatalog}; `details` has one line per problem, each with its path and fix. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  constructor(
    message: string,
    readonly details: string[],
  ) {
    super(message);
  }
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const FIELD_ID = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

/** Compiles a catalog regex exactly as validation uses it. */
export function compileFieldRegex(source: string): RegExp {
  return new RegExp(`^(?:${source})$`, 'u');
}

const localizedText = z
  .object({
    es: z.string().trim().min(1, 'the Spanish text "es" is empty: write it'),
    // English may be left empty: pick() falls back to Spanish.
    en: z.string().trim().default(''),
  })
  .strict();

const slug = z
  .string()
  .regex(SLUG, 'must be a kebab-case slug (lowercase letters, digits and single hyphens, e.g. "acceso-remoto")');

const audience = z.array(z.enum(ROLES)).optional();

const fieldDef = z
  .object({
    id: z
      .string()
      .regex(FIELD_ID, 'must start with a letter and contain only letters, digits, "_" or "-" (max 64), e.g. "accessType"'),
    type: z.enum(FIELD_TYPES),
    label: localizedText,
    placeholder: localizedText.optional(),
    required: z.boolean(),
    regex: z.string().min(1).optional(),
    maxLength: z.number().int().min(1).max(10000).optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    /** "today": a date field opens with today's date (America/Bogota); the person may change it. */
    default: z.literal('today').optional(),
    choices: z
      .array(z.object({ value: z.string().trim().min(1).max(100), label: localizedText }).strict())
      .optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    if (RESERVED_FIELD_IDS.some((r) => r.toLowerCase() === f.id.toLowerCase())) {
      issue(['id'], `"${f.id}" is reserved (every form already has ${RESERVED_FIELD_IDS.join(', ')}): rename the field`);
    }
    if (f.type === 'choice') {
      if (!f.choices || f.choices.length === 0) {
        issue(['choices'], 'a choice field needs at least one choice: add {"value": …, "label": {"es": …, "en": …}}');
      } else {
        const seen = new Set<string>();
        f.choices.forEach((c, i) => {
          if (seen.has(c.value)) issue(['choices', i, 'value'], `duplicate choice value "${c.value}": make values unique`);
          seen.add(c.value);
        });
      }
    } else if (f.choices !== undefined) {
      issue(['choices'], `only choice fields have choices: remove "choices" or set "type": "choice"`);
    }
    if (f.regex !== undefined) {
      try {
        compileFieldRegex(f.regex);
      } catch (e) {
        issue(['regex'], `the regular expression does not compile (${(e as Error).message}): fix it (JavaScript syntax, unicode mode, JSON-escape backslashes)`);
      }
    }
    if (f.default !== undefined && f.type !== 'date') {
      issue(['default'], 'only date fields take "default": "today": remove it or set "type": "date"');
    }
    if ((f.min !== undefined || f.max !== undefined) && f.type !== 'number') {
      issue([f.min !== undefined ? 'min' : 'max'], 'min/max apply only to number fields: remove them or set "type": "number"');
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) {
      issue(['min'], `min (${f.min}) is greater than max (${f.max}): swap them`);
    }
  });

const sla = z
  .object({
    firstResponseHours: z.number().positive(),
    resolutionHours: z.number().positive(),
  })
  .strict()
  .refine((s) => s.firstResponseHours <= s.resolutionHours, {
    message: 'firstResponseHours is greater than resolutionHours: the first response cannot come after the resolution',
    path: ['firstResponseHours'],
  });

const RULE_HINT = '"area_manager", "secretary", "manager" or "group:<name>" (a kebab-case name from approverGroups in the directory file)';

const approverRule = z.string().superRefine((v, ctx) => {
  if (v === 'area_manager' || v === 'secretary' || v === 'manager') return;
  if (v.startsWith('group:')) {
    const name = v.slice('group:'.length);
    if (!GROUP_NAME.test(name)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `"${v}": the group name must be a kebab-case slug (lowercase letters, digits and single hyphens, e.g. "group:aprobadores-correo")`,
      });
    }
    return;
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${v}" is not an approver rule — use ${RULE_HINT}` });
}) as unknown as z.ZodType<ApproverRule>;

const hours = (what: string, fallback: number) =>
  z
    .number({ invalid_type_error: `${what} must be a number of working hours, e.g. ${fallback}` })
    .finite()
    .positive(`${what} must be more than 0 working hours (leave it out for the default, ${fallback})`)
    .max(2000, `${what} is more than 2000 working hours (about a year): use a shorter time`)
    .default(fallback);

const approval = z
  .object({
    by: approverRule,
    escalateTo: approverRule.optional(),
    remindAfterHours: hours('remindAfterHours', DEFAULT_REMIND_AFTER_HOURS),
    escalateAfterHours: hours('escalateAfterHours', DEFAULT_ESCALATE_AFTER_HOURS),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.escalateTo !== undefined && a.escalateTo === a.by) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['escalateTo'],
        message: `escalateTo is the same rule as "by" ("${a.by}"): escalating would ask the same people again — name another rule or remove escalateTo`,
      });
    }
  }) as unknown as z.ZodType<ApprovalPolicy, z.ZodTypeDef, unknown>;

const template = z
  .object({
    id: slug,
    name: localizedText,
    description: localizedText,
    audience,
    fields: z.array(fieldDef).max(20),
    priority: z.enum(PRIORITIES),
    retired: z.boolean().optional(),
    sla: sla.optional(),
    approval: approval.optional(),
    kind: z.enum(['problem', 'request']).optional(),
    keywords: z
      .array(
        z
          .string()
          .trim()
          .min(1, 'a keyword is empty: remove it')
          .max(60, 'a keyword is longer than 60 characters: use the few words people type'),
      )
      .max(40, 'more than 40 keywords: keep the words people really type')
      .optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const words = new Map<string, number>();
    (t.keywords ?? []).forEach((k, i) => {
      const key = k.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
      const first = words.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['keywords', i],
          message: `duplicate keyword "${k}" (also keywords[${first}], ignoring case and accents): remove one`,
        });
      } else words.set(key, i);
    });
    const seen = new Map<string, number>();
    t.fields.forEach((f, i) => {
      const first = seen.get(f.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['fields', i, 'id'],
          message: `duplicate field id "${f.id}" (also fields[${first}]): give each field of a template its own id`,
        });
      } else seen.set(f.id, i);
    });
  });

const service = z
  .object({
    id: slug,
    name: localizedText,
    description: localizedText,
    audience,
    approval: approval.optional(),
    templates: z.array(template).min(1, 'a service needs at least one template'),
  })
  .strict();

const category = z
  .object({
    id: slug,
    name: localizedText,
    description: localizedText,
    services: z.array(service).min(1, 'a category needs at least one service'),
  })
  .strict();

const catalogSchema = z
  .object({
    version: z.literal(1),
    contact: localizedText,
    categories: z.array(category).min(1, 'the catalog needs at least one category'),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Ids are one namespace across categories, services and templates.
    const seen = new Map<string, string>();
    const check = (id: string, path: (string | number)[]) => {
      const first = seen.get(id);
      if (first !== undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [...path, 'id'],
          message: `duplicate id "${id}" (already used at ${first}): give each category, service and template its own id`,
        });
      } else seen.set(id, formatPath([...path, 'id']));
    };
    c.categories.forEach((cat, ci) => {
      check(cat.id, ['categories', ci]);
      cat.services.forEach((svc, si) => {
        check(svc.id, ['categories', ci, 'services', si]);
        svc.templates.forEach((tpl, ti) => check(tpl.id, ['categories', ci, 'services', si, 'templates', ti]));
      });
    });
  });

/** Formats a zod path as `categories[0].services[2].id`. */
function formatPath(path: (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out || '(root)';
}

/** Turns a zod issue into a "where: what — how to fix" line. */
function describeIssue(issue: z.ZodIssue): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') return `${where}: is missing — add it (expected ${issue.expected})`;
      return `${where}: expected ${issue.expected} but found ${issue.received} — change its value`;
    case z.ZodIssueCode.unrecognized_keys:
      return `${where}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} — remove them or check their spelling`;
    case z.ZodIssueCode.invalid_enum_value:
      return `${where}: "${String(issue.received)}" is not allowed — use one of ${issue.options.map((o) => `"${String(o)}"`).join(', ')}`;
    case z.ZodIssueCode.invalid_literal:
      return `${where}: must be ${JSON.stringify(issue.expected)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/**
 * Validates and types a catalog read from JSON.
 * @param origin where the JSON came from (file path), used in the error message.
 * @throws CatalogError listing every problem with its path and how to fix it.
 */
export function parseCatalog(json: unknown, origin = 'catalog'): Catalog {
  const result = catalogSchema.safeParse(json);
  if (result.success) return result.data;
  const details = result.error.issues.map(describeIssue);
  const count = details.length === 1 ? '1 problem' : `${details.length} problems`;
  throw new CatalogError(`Invalid ${origin} (${count}):\n${details.map((d) => `  - ${d}`).join('\n')}`, details);
}
