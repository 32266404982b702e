/**
 * Supervisors' personal-data commands (Ley 1581 de 2012): export everything stored about a person
 * to a JSON file under EXPORT_DIR, and anonymise a person's closed or cancelled tickets (after a
 * confirmation button). The supervisor role is re-checked on the server for each step.
 */
import { z } from 'zod';
import type { Lookup } from '../../domain/personal-data';
import { escapeMarkdown } from '../cards';
import type { Turn } from '../turn';

const who = z.string().trim().min(1).max(320);

async function requireSupervisor(turn: Turn): Promise<{ oid: string; name: string } | null> {
  const user = await turn.user();
  if (user.roles.includes('supervisor')) return { oid: user.oid, name: user.name };
  turn.services.log.warn({ oid: user.oid, roles: user.roles }, 'personal-data command refused: not a supervisor');
  await turn.notice(turn.messages.notSupervisor, { color: 'Attention' });
  return null;
}

/** Answers the lookups that did not find exactly one person; true when it answered. */
async function explainLookup(turn: Turn, person: string, out: Lookup | { status: string }): Promise<boolean> {
  if (out.status === 'not_found') {
    await turn.notice(turn.text('personNotFound', { who: escapeMarkdown(person, 320) }), { color: 'Attention' });
    return true;
  }
  if (out.status === 'ambiguous') {
    await turn.notice(turn.text('personAmbiguous', { who: escapeMarkdown(person, 320), n: (out as { oids: string[] }).oids.length }), { color: 'Attention' });
    return true;
  }
  return false;
}

/** "exportar datos de ana@entidad.gov.co" */
export async function exportPerson(turn: Turn, person: string | undefined): Promise<void> {
  const by = await requireSupervisor(turn);
  if (!by) return;
  const parsed = who.safeParse(person);
  if (!parsed.success) return turn.notice(turn.messages.personalDataUsage);
  const out = await turn.services.personalData.exportPerson(parsed.data, by);
  if (await explainLookup(turn, parsed.data, out)) return;
  if (out.status !== 'exported') return;
  turn.services.log.info({ by: by.oid, person: out.oid, path: out.path }, 'personal data exported');
  await turn.notice(turn.text('personalExportDone', { who: escapeMarkdown(parsed.data, 320), tickets: out.tickets, events: out.events, path: escapeMarkdown(out.path, 2000) }));
}

/** "anonimizar datos de ana@entidad.gov.co": shows what would change and asks for confirmation. */
export async function askAnonymise(turn: Turn, person: string | undefined): Promise<void> {
  if (!(await requireSupervisor(turn))) return;
  const parsed = who.safeParse(person);
  if (!parsed.success) return turn.notice(turn.messages.personalDataUsage);
  const out = await turn.services.personalData.previewAnonymise(parsed.data);
  if (await explainLookup(turn, parsed.data, out)) return;
  if (out.status !== 'preview') return;
  const shown = escapeMarkdown(parsed.data, 320);
  if (!out.radicados.length) return turn.notice(turn.text('anonymiseNone', { who: shown }));
  await turn.notice(turn.text('anonymiseConfirm', { who: shown, radicados: out.radicados.join(', ') }), {
    color: 'Warning',
    actions: [{ title: turn.messages.btnAnonymise, verb: 'privacy.anonymise', data: { who: out.oid } }],
  });
}

/** The confirmation button. `data.who` is untrusted: validated, and the role checked again. */
export async function confirmAnonymise(turn: Turn, data: Record<string, unknown>): Promise<void> {
  const by = await requireSupervisor(turn);
  if (!by) return;
  const parsed = who.safeParse(data.who);
  if (!parsed.success) return turn.notice(turn.messages.invalidAction, { color: 'Attention' });
  const out = await turn.services.personalData.anonymise(parsed.data, by);
  if (await explainLookup(turn, parsed.data, out)) return;
  if (out.status !== 'anonymised') return;
  turn.services.log.info({ by: by.oid, person: out.oid, tickets: out.radicados.length }, 'personal data anonymised');
  const shown = escapeMarkdown(parsed.data, 320);
  if (!out.radicados.length) return turn.notice(turn.text('anonymiseNone', { who: shown }));
  await turn.notice(turn.text('anonymiseDone', { who: shown, n: out.radicados.length, radicados: out.radicados.join(', ') }));
}
