/**
 * SLA targets: working minutes to the first response and to the resolution, per priority, with
 * per-template overrides. Read from config/sla.json (SLA_PATH) and validated at start-up.
 *
 * Precedence for a ticket: `templates[templateId]` in sla.json, then the catalog template's own
 * `sla` (hours), then `priorities[priority]`.
 */
import { z } from 'zod';
import { PRIORITIES, type Priority } from '../types';

export interface SlaTargets {
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

export interface SlaPolicy {
  priorities: Record<Priority, SlaTargets>;
  templates: Record<string, SlaTargets>;
}

export class SlaConfigError extends Error {
  override readonly name = 'SlaConfigError';
}

const targets = z
  .object({
    firstResponseMinutes: z.number().positive().max(525_600),
    resolutionMinutes: z.number().positive().max(525_600),
  })
  .strict()
  .refine((t) => t.firstResponseMinutes <= t.resolutionMinutes, {
    message: 'firstResponseMinutes is greater than resolutionMinutes: the first response cannot come after the resolution',
    path: ['firstResponseMinutes'],
  });

const schema = z
  .object({
    version: z.literal(1),
    priorities: z.object(Object.fromEntries(PRIORITIES.map((p) => [p, targets])) as Record<Priority, typeof targets>).strict(),
    templates: z.record(z.string().min(1), targets).default({}),
  })
  .strict();

/**
 * Validates the SLA file's JSON. `knownTemplates` (the catalog's template ids) catches overrides for
 * templates that do not exist. Throws SlaConfigError listing every problem and how to fix it.
 */
export function parseSlaPolicy(json: unknown, file: string, knownTemplates?: Set<string>): SlaPolicy {
  const parsed = schema.safeParse(json);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (parsed.success && knownTemplates) {
    for (const id of Object.keys(parsed.data.templates)) {
      if (!knownTemplates.has(id)) problems.push(`templates.${id}: no template with this id in the catalog; remove it or fix the id`);
    }
  }
  if (problems.length || !parsed.success) {
    throw new SlaConfigError(
      `SLA_PATH ${file} is invalid:\n  - ${problems.join('\n  - ')}\n` +
        'Expected {"version": 1, "priorities": {"low"|"medium"|"high"|"critical": {"firstResponseMinutes": n, "resolutionMinutes": n}}, "templates": {templateId: {...}}} (working minutes).',
    );
  }
  return { priorities: parsed.data.priorities, templates: parsed.data.templates };
}

/** The targets of a ticket (working minutes). An unknown priority counts as medium. */
export function targetsFor(
  policy: SlaPolicy,
  ticket: { priority: string; templateId: string },
  catalogSla?: { firstResponseHours: number; resolutionHours: number },
): SlaTargets {
  const own = policy.templates[ticket.templateId];
  if (own) return { ...own };
  if (catalogSla) return { firstResponseMinutes: catalogSla.firstResponseHours * 60, resolutionMinutes: catalogSla.resolutionHours * 60 };
  const p = (PRIORITIES as readonly string[]).includes(ticket.priority) ? (ticket.priority as Priority) : 'medium';
  return { ...policy.priorities[p] };
}
