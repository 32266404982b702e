/**
 * Old cases from the previous service desk (a ProactivaNet-like CSV export): parsing and
 * validation, pure. The accepted columns are documented in README ("Import old cases").
 *
 * Tolerant of what spreadsheet exports do: UTF-8 BOM, ";" or "," as separator (detected on the
 * header line), quoted fields with "" escapes and line breaks inside, CRLF, dd/mm/yyyy[ hh:mm[:ss]]
 * and ISO dates (local times are Bogotá's, UTC−5). Every malformed line is reported with its line
 * number and a reason, and skipped.
 */
import type { TicketStatus } from './tickets/model';
import { detectSeparator, splitCsv } from './legacy-csv';

export { detectSeparator, splitCsv };

export type LegacyField =
  | 'radicado'
  | 'createdAt'
  | 'updatedAt'
  | 'closedAt'
  | 'email'
  | 'name'
  | 'service'
  | 'status'
  | 'description'
  | 'resolution'
  | 'assignee';

/** Header names (folded: lower case, no accents, letters and digits only) for each field. */
export const LEGACY_HEADERS: Record<LegacyField, string[]> = {
  radicado: ['radicado', 'codigo', 'numero', 'numeroradicado', 'ticket', 'caso', 'code', 'id'],
  createdAt: ['fechacreacion', 'fechadecreacion', 'fechaderegistro', 'fechadeapertura', 'fechaalta', 'fechadealta', 'fecharegistro', 'fechaapertura', 'fecha', 'created', 'createdat', 'opened'],
  updatedAt: ['fechaactualizacion', 'fechadeactualizacion', 'fechademodificacion', 'fechamodificacion', 'ultimaactualizacion', 'updated', 'updatedat', 'modified'],
  closedAt: ['fechacierre', 'fechadecierre', 'fechaderesolucion', 'fechadesolucion', 'fecharesolucion', 'fechasolucion', 'closed', 'closedat', 'resolvedat'],
  email: ['correosolicitante', 'correodelsolicitante', 'emailsolicitante', 'emaildelsolicitante', 'correo', 'email', 'mail', 'requesteremail'],
  name: ['nombresolicitante', 'nombredelsolicitante', 'solicitante', 'usuario', 'requester', 'requestername'],
  service: ['servicio', 'service', 'catalogo', 'categoria'],
  status: ['estado', 'status', 'state'],
  description: ['descripcion', 'description', 'detalle', 'asunto'],
  resolution: ['solucion', 'resolucion', 'resolution'],
  assignee: ['asignadoa', 'tecnico', 'responsable', 'assignee', 'assignedto'],
};
export const REQUIRED_FIELDS: LegacyField[] = ['radicado', 'createdAt', 'email', 'service', 'status', 'description'];

/** Old states (folded) → the bot's statuses. */
const STATES: Record<string, TicketStatus> = {};
for (const [status, names] of Object.entries({
  new: ['abierta', 'abierto', 'nueva', 'nuevo', 'registrada', 'registrado', 'encola', 'new', 'open'],
  assigned: ['asignada', 'asignado', 'assigned'],
  in_progress: ['encurso', 'enprogreso', 'enproceso', 'enatencion', 'inprogress'],
  waiting_user: ['pendiente', 'pendienteusuario', 'enespera', 'esperandousuario', 'esperandoalusuario', 'waiting', 'waitinguser', 'onhold'],
  resolved: ['resuelta', 'resuelto', 'solucionada', 'solucionado', 'resolved', 'solved'],
  closed: ['cerrada', 'cerrado', 'finalizada', 'finalizado', 'closed'],
  cancelled: ['cancelada', 'cancelado', 'anulada', 'anulado', 'cancelled', 'canceled'],
} as Record<TicketStatus, string[]>)) {
  for (const n of names) STATES[n] = status as TicketStatus;
}

export const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

export interface LegacyCase {
  /** Physical line of the record in the file (1 = header). */
  line: number;
  radicado: string;
  createdAt: Date;
  updatedAt: Date;
  closedAt?: Date;
  email: string;
  name?: string;
  service: string;
  status: TicketStatus;
  description: string;
  resolution?: string;
  assignee?: string;
}

export type LegacyReason =
  | 'columns'
  | 'radicado'
  | 'date'
  | 'email'
  | 'service'
  | 'status'
  | 'description'
  | 'too_long'
  | 'repeated'
  | 'taken'
  | 'unterminated';

export interface LegacyProblem {
  line: number;
  reason: LegacyReason;
  /** The offending value, bounded, for the operator. */
  detail?: string;
}

export class LegacyFormatError extends Error {
  override readonly name = 'LegacyFormatError';
  constructor(message: string, readonly missing: LegacyField[] = []) {
    super(message);
  }
}

const BOGOTA_OFFSET_MS = 5 * 3600_000;

function validDate(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (y < 1990 || y > 2100 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** dd/mm/yyyy[ hh:mm[:ss]] (also with "-" or "."), yyyy-mm-dd[Thh:mm[:ss]] and full ISO with a zone. */
export function parseLegacyDate(raw: string): Date | null {
  const s = raw.trim();
  let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  let parts: number[] | null = null;
  if (m) parts = [Number(m[3]), Number(m[2]), Number(m[1]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  else {
    m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
    if (!m) return null;
    parts = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
    if (m[7]) {
      if (!validDate(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])) return null;
      const d = new Date(s.replace(' ', 'T'));
      return Number.isNaN(d.getTime()) ? null : d;
    }
  }
  const [y, mo, d, h, mi, sec] = parts;
  if (!validDate(y, mo, d, h, mi, sec)) return null;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, sec) + BOGOTA_OFFSET_MS);
}

const EMAIL = /^[^\s@<>"',;]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const RADICADO = /^[A-Z0-9][A-Z0-9._/-]{1,39}$/;
export const MAX_LEGACY_DESCRIPTION = 10_000;

/**
 * The radicado as it will be stored: upper case; when it has the bot's own format with fewer
 * digits ("MDA-2019-123"), zero-padded like the bot's ("MDA-2019-000123"), so lookups find it.
 */
export function normalizeLegacyRadicado(raw: string, prefix: string): string | null {
  const r = raw.trim().toUpperCase();
  if (!RADICADO.test(r)) return null;
  const m = /^([A-Z]{2,8})-(\d{4})-(\d{1,9})$/.exec(r);
  if (m && m[1] === prefix) {
    const n = Number(m[3]);
    if (n < 1) return null;
    return `${m[1]}-${m[2]}-${String(n).padStart(6, '0')}`;
  }
  return r;
}

/** Parses an export: valid cases plus one problem per skipped line. Throws LegacyFormatError on a bad header. */
export function parseLegacyCsv(input: string, opts: { prefix: string }): { cases: LegacyCase[]; problems: LegacyProblem[]; separator: string } {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const sep = detectSeparator(firstLine);
  const { records, unterminatedAt } = splitCsv(text, sep);
  if (!records.length) throw new LegacyFormatError('the file is empty');
  const header = records[0].fields.map(fold);
  const index = {} as Record<LegacyField, number>;
  for (const [field, names] of Object.entries(LEGACY_HEADERS) as [LegacyField, string[]][]) {
    const at = header.findIndex((h) => names.includes(h));
    if (at >= 0) index[field] = at;
  }
  const missing = REQUIRED_FIELDS.filter((f) => index[f] === undefined);
  if (missing.length) throw new LegacyFormatError(`missing required columns: ${missing.join(', ')}`, missing);

  const cases: LegacyCase[] = [];
  const problems: LegacyProblem[] = [];
  const seen = new Map<string, number>();
  for (const rec of records.slice(1)) {
    const bad = (reason: LegacyReason, detail?: string) => problems.push({ line: rec.line, reason, detail: detail?.slice(0, 80) });
    if (rec.fields.length !== header.length) {
      bad('columns', `${rec.fields.length}/${header.length}`);
      continue;
    }
    const get = (f: LegacyField) => (index[f] === undefined ? '' : rec.fields[index[f]].trim());
    const radicado = normalizeLegacyRadicado(get('radicado'), opts.prefix);
    if (!radicado) {
      bad('radicado', get('radicado'));
      continue;
    }
    const createdAt = parseLegacyDate(get('createdAt'));
    if (!createdAt) {
      bad('date', get('createdAt'));
      continue;
    }
    const optionalDate = (f: LegacyField): Date | undefined | null => (get(f) ? parseLegacyDate(get(f)) : undefined);
    const updatedAt = optionalDate('updatedAt');
    const closedAt = optionalDate('closedAt');
    if (updatedAt === null || closedAt === null) {
      bad('date', updatedAt === null ? get('updatedAt') : get('closedAt'));
      continue;
    }
    const email = get('email').toLowerCase();
    if (!EMAIL.test(email)) {
      bad('email', get('email'));
      continue;
    }
    const service = get('service');
    if (!service || service.length > 200) {
      bad('service', service);
      continue;
    }
    const status = STATES[fold(get('status'))];
    if (!status) {
      bad('status', get('status'));
      continue;
    }
    const description = rec.fields[index.description].replace(/\r\n/g, '\n').trim();
    if (!description) {
      bad('description');
      continue;
    }
    const resolution = get('resolution');
    if (description.length > MAX_LEGACY_DESCRIPTION || resolution.length > MAX_LEGACY_DESCRIPTION || get('name').length > 200 || get('assignee').length > 200) {
      bad('too_long');
      continue;
    }
    const first = seen.get(radicado);
    if (first !== undefined) {
      bad('repeated', `${radicado} (${first})`);
      continue;
    }
    seen.set(radicado, rec.line);
    const latest = Math.max(createdAt.getTime(), updatedAt?.getTime() ?? 0, closedAt?.getTime() ?? 0);
    cases.push({
      line: rec.line,
      radicado,
      createdAt,
      updatedAt: new Date(latest),
      closedAt: closedAt ?? (['resolved', 'closed', 'cancelled'].includes(status) ? new Date(latest) : undefined),
      email,
      name: get('name') || undefined,
      service,
      status,
      description,
      resolution: resolution || undefined,
      assignee: get('assignee') || undefined,
    });
  }
  if (unterminatedAt !== undefined) problems.push({ line: unterminatedAt, reason: 'unterminated' });
  return { cases, problems: problems.sort((a, b) => a.line - b.line), separator: sep };
}

/** One case ready to store, with the requester resolved and the service matched to the catalog. */
export interface ImportedTicket {
  line: number;
  radicado: string;
  tenantId: string;
  requester: { oid: string; name: string; email: string };
  categoryId: string;
  serviceId: string;
  status: TicketStatus;
  description: string;
  resolution?: string;
  assigneeName?: string;
  createdAt: Date;
  updatedAt: Date;
  closedAt?: Date;
}

export type ImportOutcome = 'inserted' | 'unchanged' | 'linked' | 'taken';

/** Where imported tickets are stored; re-importing the same radicado is a no-op (or links its requester). */
export interface LegacyImportRepository {
  /**
   * Inserts the cases that are not there yet, moving the per-year radicado counter past any number
   * in the bot's own format, in one transaction per batch. 'taken': the radicado belongs to a
   * ticket filed in the bot. 'linked': already imported, and its requester is now known.
   */
  importBatch(cases: ImportedTicket[], prefix: string): Promise<ImportOutcome[]>;
}

/** The requester's object id when the directory knows the e-mail, else a placeholder only staff can see. */
export function legacyRequesterOid(email: string, directoryOid: string | undefined): string {
  return directoryOid ?? `legacy:${email.toLowerCase()}`;
}

/**
 * Words of a message that could be an imported radicado in another format ("estado del radicado
 * PN-48213"): tokens with a digit, in the accepted radicado alphabet, upper-cased, at most five.
 */
export function legacyRadicadoCandidates(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.slice(0, 500).split(/[\s,;:¿?¡!()"'«»]+/)) {
    const tok = raw.replace(/^[#.]+|[.]+$/g, '').toUpperCase();
    if (/\d/.test(tok) && RADICADO.test(tok) && !out.includes(tok)) out.push(tok);
    if (out.length === 5) break;
  }
  return out;
}
