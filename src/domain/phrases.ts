/**
 * Recogniser for what users type to the bot in Microsoft Teams, in Spanish (es-CO) and English.
 *
 * Pure functions, no framework imports. Every pattern is anchored and built from fixed words with
 * bounded repetition, and input is capped before matching, so matching stays linear-ish and cannot
 * backtrack catastrophically. `recognize` never throws.
 */
import { boundedMemo } from './bounded-memo';
import {
  CATALOG_WORD,
  correctWord,
  CREATE_OBJECT,
  CREATE_VERB,
  FAILURE_WORD,
  FILE_VERB,
  FOREIGN_PHRASE,
  FOREIGN_WORD,
  GREETING_CORE,
  GREETING_ONLY,
  HAVE_WORD,
  HELP_CORE,
  HELP_QUESTION,
  HELP_ONLY,
  IDIOM,
  IT_OBJECT,
  NEED_WORD,
  NEGATION,
  PROBLEM_WORD,
  SERVICE_NEED,
  STATUS_CUE,
  STATUS_WORD,
  SUPPORT_WORD,
  TICKET_NOUN,
  TICKET_NOUNS,
} from './phrase-lexicon';

export type Intent =
  | { kind: 'greeting' }
  | { kind: 'help' }
  | { kind: 'new_request' }
  | { kind: 'problem'; text: string } // a problem described in the user's words: offer matching templates
  | { kind: 'my_tickets' }
  /** "mis aprobaciones", "qué tengo por aprobar", "my approvals": what waits for the person's decision. */
  | { kind: 'my_approvals' }
  /**
   * normalised full radicado; `remark`: the message also says something about the case instead of
   * asking how it goes ("MDA-2026-000002 es una HP del piso 3") — for the requester's engineer.
   */
  | { kind: 'status'; radicado: string; remark?: string }
  | { kind: 'status_missing' } // "estado del radicado" without a number
  | { kind: 'take'; radicado?: string } // "tomar MDA-2026-000123" / "take ..."
  | { kind: 'queue' } // "cola" / "queue"
  | { kind: 'next' } // "siguiente" / "next"
  | { kind: 'register_queue'; category?: string } // "registrar cola", "registrar cola correo", "register queue"
  /** "mover a cola correo" (in a case's thread), "mover MDA-2026-000123 a la cola general", "move ticket X to queue Email" (staff). */
  | { kind: 'move_queue'; radicado?: string; queue?: string }
  | { kind: 'metrics' } // "indicadores" / "metrics"
  | { kind: 'kb_drafts' } // "borradores" / "article drafts": knowledge-base drafts to review (supervisors)
  /** "incidente mayor [MDA-…] [título]" / "major incident …": declare one from a case (its thread, or the radicado) (supervisors). */
  | { kind: 'declare_incident'; radicado?: string; title?: string }
  | { kind: 'cancel'; radicado?: string } // "cancelar radicado X" / "cancel ticket X"
  | { kind: 'export_person'; who?: string } // "exportar datos de ana@entidad.gov.co" (supervisors)
  | { kind: 'anonymise_person'; who?: string } // "anonimizar datos de ana@entidad.gov.co" (supervisors)
  | { kind: 'export'; from?: string; to?: string } // "exportar casos 2026-11-01 2026-11-30" / "export tickets ..."
  | { kind: 'history'; radicado?: string } // "historial del radicado MDA-2026-000123" / "history of ticket ..." (supervisors)
  | { kind: 'unknown' };

export interface RecognizeOptions {
  /** Radicado prefix, e.g. "MDA". */
  prefix: string;
  /** Current year, used when only the number is given. */
  year: number;
  /**
   * Only the exact commands (stage one, as typed), without the free-text reading: for a queue thread, where
   * whatever else an engineer writes is a message for the requester.
   */
  commandsOnly?: boolean;
}

/** The commands advertised in the Teams manifest; each must be recognised. */
export const COMMANDS: {
  personal: { es: string; en: string; intent: Intent['kind'] }[];
  team: { es: string; en: string; intent: Intent['kind'] }[];
} = {
  personal: [
    { es: 'nueva solicitud', en: 'new request', intent: 'new_request' },
    { es: 'mis casos', en: 'my tickets', intent: 'my_tickets' },
    { es: 'mis aprobaciones', en: 'my approvals', intent: 'my_approvals' },
    { es: 'estado del radicado', en: 'status of radicado', intent: 'status_missing' },
    { es: 'ayuda', en: 'help', intent: 'help' },
  ],
  team: [
    { es: 'cola', en: 'queue', intent: 'queue' },
    { es: 'siguiente', en: 'next', intent: 'next' },
    { es: 'registrar cola', en: 'register queue', intent: 'register_queue' },
    { es: 'mover a cola', en: 'move to queue', intent: 'move_queue' },
    { es: 'incidente mayor', en: 'major incident', intent: 'declare_incident' },
  ],
};

/** Raw input longer than this is never a command; rejected before any cleaning. */
const MAX_RAW_LENGTH = 20_000;
/** Cleaned text longer than this is never a command; rejected before any matching. */
const MAX_TEXT_LENGTH = 2_000;

/** Typos are fixed in this many words of a message at most. */
const MAX_CORRECTED_WORDS = 60;

const YEAR_MIN = 2000;
const YEAR_MAX = 2100;
const NUMBER_MAX = 999_999;

// ---------------------------------------------------------------------------------------------
// Cleaning
// ---------------------------------------------------------------------------------------------

const NAMED_ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  iexcl: '¡',
  iquest: '¿',
  aacute: 'á',
  eacute: 'é',
  iacute: 'í',
  oacute: 'ó',
  uacute: 'ú',
  ntilde: 'ñ',
  Aacute: 'Á',
  Eacute: 'É',
  Iacute: 'Í',
  Oacute: 'Ó',
  Uacute: 'Ú',
  Ntilde: 'Ñ',
  uuml: 'ü',
  Uuml: 'Ü',
  ordm: 'º',
  ordf: 'ª',
  deg: '°',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  laquo: '«',
  raquo: '»',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  zwnj: '',
  zwj: '',
};

/** Removes every `<at ...>…</at>` mention, including its text, with a linear indexOf scan. */
function removeMentions(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let pos = 0;
  for (;;) {
    const start = lower.indexOf('<at', pos);
    if (start < 0) break;
    const after = lower.charAt(start + 3);
    if (after !== '>' && after !== ' ' && after !== '\t' && after !== '\n' && after !== '\r' && after !== '/') {
      // Some other tag starting with "<at" (e.g. "<attachment>"): keep it, move on.
      out += html.slice(pos, start + 3);
      pos = start + 3;
      continue;
    }
    const end = lower.indexOf('</at>', start);
    if (end < 0) break; // unbalanced: leave the rest to the generic tag stripper
    out += html.slice(pos, start) + ' ';
    pos = end + 5;
  }
  return out + html.slice(pos);
}

function decodeEntity(whole: string, body: string): string {
  if (body.charAt(0) === '#') {
    const hex = body.charAt(1) === 'x' || body.charAt(1) === 'X';
    const code = hex ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (!Number.isFinite(code) || code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return ' ';
    return code === 0xa0 ? ' ' : String.fromCodePoint(code);
  }
  const named = NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()];
  return named ?? whole;
}

/**
 * Turns a Teams message into plain text: removes `<at>` mentions (with their text), strips HTML
 * tags, decodes entities (`&nbsp;`, `&amp;`, numeric ones…), drops zero-width characters and
 * collapses whitespace. Case and accents are kept.
 */
export function cleanText(text: string): string {
  if (typeof text !== 'string' || text.length === 0) return '';
  let s = removeMentions(text);
  s = s.replace(/<[^<>]*>/g, ' ');
  s = s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, decodeEntity);
  s = s.replace(/[\u200b-\u200d\u2060\ufeff\u00ad]/g, '');
  return s.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// Radicado
// ---------------------------------------------------------------------------------------------

function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/**
 * Normalises what a user typed as a radicado into `{PREFIX}-{YYYY}-{NNNNNN}`, or null when it is
 * not one. Accepts "MDA-2026-000123", "mda-2026-123", "MDA 2026 123", "mda2026000123",
 * "2026-123" (year + number) and "123" / "#123" / "000123" (number only, current year).
 */
export function normalizeRadicado(input: string, opts: RecognizeOptions): string | null {
  try {
    if (typeof input !== 'string' || input.length > 64) return null;
    const prefix = stripAccents(String(opts.prefix ?? '')).trim().toLowerCase();
    if (!prefix) return null;
    let s = stripAccents(input).toLowerCase().replace(/[\u2010-\u2015\u2212]/g, '-').trim();

    let year: number;
    let digits: string;
    if (/^[a-z]/.test(s)) {
      // A prefix is given: it must be exactly the configured one, then year and number.
      if (!s.startsWith(prefix)) return null;
      s = s.slice(prefix.length);
      if (/^[a-z]/.test(s)) return null;
      const m = /^[\s-]*(\d{4})[\s-]*(\d{1,6})$/.exec(s);
      if (!m) return null;
      year = Number(m[1]);
      digits = m[2];
    } else {
      const withYear = /^(\d{4})[\s-]+(\d{1,6})$/.exec(s);
      const numberOnly = /^#?\s*(\d{1,6})$/.exec(s);
      if (withYear) {
        year = Number(withYear[1]);
        digits = withYear[2];
      } else if (numberOnly) {
        year = Number(opts.year);
        digits = numberOnly[1];
      } else {
        return null;
      }
    }

    const n = Number(digits);
    if (!Number.isInteger(year) || year < YEAR_MIN || year > YEAR_MAX) return null;
    if (!Number.isInteger(n) || n < 1 || n > NUMBER_MAX) return null;
    return `${String(opts.prefix).trim().toUpperCase()}-${year}-${String(n).padStart(6, '0')}`;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Normalisation for matching
// ---------------------------------------------------------------------------------------------

/** Lowercase, no accents, no punctuation except "-" and "#" inside tokens, single spaces. */
function normalizeForMatch(cleaned: string): string {
  let s = stripAccents(cleaned).toLowerCase();
  s = s.replace(/[\u2010-\u2015\u2212]/g, '-');
  s = s.replace(/['’‘`´]/g, ''); // "what's" -> "whats"
  s = s.replace(/[^a-z0-9#-]+/g, ' ');
  const tokens: string[] = [];
  for (const raw of s.split(' ')) {
    const t = raw.replace(/^-+/, '').replace(/-+$/, '');
    if (t) tokens.push(t);
  }
  return tokens.join(' ');
}

// Leading words that carry no intent: greetings, the bot's own name, polite fillers.
const LEADING_FILLER = new RegExp(
  '^(?:' +
    [
      'hola',
      'holi',
      'buenas tardes',
      'buenas noches',
      'buenos dias',
      'buenas',
      'buen dia',
      'saludos',
      'good morning',
      'good afternoon',
      'good evening',
      'hello',
      'hey',
      'hi',
      'mesa de ayuda',
      'bot',
      'por favor',
      'porfavor',
      'porfa',
      'please',
      'pls',
      'plz',
      'me gustaria',
      'quisiera',
      'quiero',
      'necesito',
      'deseo',
      'me puedes',
      'me podrias',
      'me puede',
      'me podria',
      'puedes',
      'podrias',
      'puede',
      'podria',
      'i would like to',
      'i would like',
      'id like to',
      'id like',
      'i want to',
      'i want',
      'i need to',
      'i need',
      'can you',
      'could you',
      'would you',
      'can i',
      'could i',
      'okay',
      'ok',
      'oye',
    ].join('|') +
    ')(?: |$)',
);

const TRAILING_FILLER = / (?:por favor|porfavor|porfa|please|pls|plz|gracias|muchas gracias|thanks|thank you|ty)$/;

function stripFillers(s: string): string {
  for (let i = 0; i < 8; i++) {
    const next = s.replace(LEADING_FILLER, '');
    if (next === s) break;
    s = next;
  }
  for (let i = 0; i < 4; i++) {
    const next = s.replace(TRAILING_FILLER, '');
    if (next === s) break;
    s = next;
  }
  return s.trim();
}

// ---------------------------------------------------------------------------------------------
// Patterns (all applied to normalised text, anchored)
// ---------------------------------------------------------------------------------------------

const NOUN = '(?:radicado|caso|solicitud|ticket|tiquete|requerimiento|peticion|incidente|incidencia|case|request|incident)';
const NOUN_PLURAL =
  '(?:radicados|casos|solicitudes|tickets|tiquetes|requerimientos|peticiones|incidentes|incidencias|cases|requests|incidents)';
const NUMBER_WORD = '(?: (?:no|nro|num|numero|number|n))?';
const DET = '(?: (?:el|la|mi|este|esta|the|my|this))?';
const VIEW_VERB =
  '(?:ver|mostrar|mostrarme|muestrame|muestra|consultar|consulta|listar|lista|revisar|dame|show me|show|list|see|view|get|check|display|give me)';

const GREETING_WORD =
  '(?:hola+|holi|buenas tardes|buenas noches|buenos dias|buenas|buen dia|saludos|good morning|good afternoon|good evening|good day|hello|hey|hiya|hi|que tal|alo)';
const GREETING = new RegExp(
  `^${GREETING_WORD}(?: (?:${GREETING_WORD}|como (?:estas|esta|estan|vas|va)|how are you|hows it going|there|everyone|all|team|equipo|a todos|mesa de ayuda|bot)){0,3}$`,
);

const HELP = new RegExp(
  '^(?:ayuda|ayudame|ayudar|ayudarme|ayudenme|help|help me|menu|opciones|comandos|commands|options|' +
    'que puedes hacer|que haces|que sabes hacer|what can you do|how does this work|como funciona|como funcionas|' +
    'como funciona esto|info|informacion|instrucciones|instructions|guia|guide|sos)$',
);

const MY_APPROVALS = new RegExp(
  `^(?:${VIEW_VERB} )?(?:(?:todas|all) )?(?:(?:las|los) )?(?:` +
    '(?:mis|my) (?:(?:pending) )?(?:aprobaciones|approvals)(?: (?:pendientes|pending))?|' +
    '(?:solicitudes|casos|requests) (?:por|para|to) (?:aprobar|approve)|' +
    '(?:que|what) (?:tengo|hay|do i have) (?:pendientes? )?(?:por|para|to) (?:aprobar|approve)|' +
    'pending approvals|aprobaciones pendientes|pendientes de aprobar|por aprobar)$',
);

const MY_TICKETS = new RegExp(
  `^(?:${VIEW_VERB} )?(?:(?:todos|todas|all) )?(?:(?:los|las) )?(?:mis|my) (?:(?:open|pending|active) )?${NOUN_PLURAL}` +
    '(?: (?:abiertos|abiertas|pendientes|activos|activas|open|pending))?$',
);

const NEW_VERB =
  '(?:crear|creame|abrir|registrar|radicar|hacer|generar|levantar|poner|iniciar|reportar|enviar|montar|presentar|' +
    'create|open|raise|submit|log|file|start|make|report|lodge)';
const NEW_REQUEST = new RegExp(
  `^(?:${NEW_VERB}(?: (?:una|un|mi|otra|otro|a|an|the|another))?(?: (?:nueva|nuevo|new))? (?:${NOUN}|problema|falla|problem|issue)` +
    `|(?:nueva|nuevo|new|otra|otro|another) (?:${NOUN}|issue)|radicar)$`,
);

// "registrar cola", "registrar este canal como cola de Correo", "register queue for Email".
const REGISTER_QUEUE = new RegExp(
  '^(?:registrar|registra|register|configurar|configure|vincular|link)(?: (?:la|esta|este|el|this|the|a|una))?' +
    '(?: (?:canal|channel|equipo|team))?(?: (?:como|as|de|to))?(?: (?:la|the|a|una))? (?:cola|queue)(?: (.+))?$',
);

// "mover a cola correo", "mover el radicado MDA-2026-000123 a la cola de Correo", "move ticket 123 to queue Email".
const MOVE_QUEUE = new RegExp(
  '^(?:mover|mueve|muevo|movamos|pasar|pasa|paso|trasladar|traslada|traslado|reasignar|reasigna|enviar|envia|move|transfer|send|reroute)' +
    `(?: ((?:(?:el|la|este|esta|the|this) )?(?:${NOUN} )?(?:(?:no|nro|num|numero|number|n) )?[a-z0-9][a-z0-9 -]{0,40}?|(?:el|la|este|esta|the|this) ${NOUN}|${NOUN}))?` +
    ' (?:a|al|hacia|para|to|into)(?: (?:la|el|the))? (?:cola|queue)(?: (.+))?$',
);

const QUEUE = new RegExp(
  `^(?:${VIEW_VERB} )?(?:(?:la|mi|nuestra|the|my|our) )?(?:cola|queue|work queue|ticket queue)` +
    '(?: (?:de (?:trabajo|casos|solicitudes|radicados|atencion|la mesa|mi equipo|este canal)|del (?:equipo|canal)))?$',
);

const NEXT = new RegExp(
  '^(?:(?:dame|dar|tomar|tomo|toma|pasar|pasa|pasame|atender|atiendo|ver|mostrar|take|give me|get|show|serve|grab|claim|assign me) )?' +
    '(?:(?:el|la|al|the) )?(?:siguiente|proximo|next)' +
    '(?: (?:caso|radicado|solicitud|ticket|case|request|one|item|en la cola|de la cola|in queue|in the queue|from the queue))?$',
);

const DECLARE_INCIDENT = /^(?:(?:declarar|declara|declaro|declare|declaring|abrir|abre|open) )?(?:(?:un|una|el|a|an|the) )?(?:incidente mayor|major incident)(?: |$)/;
const DECLARE_INCIDENT_RAW = /^.*?(?:incidente\s+mayor|major\s+incident)[\s:,.;\-–—]*/i;

const KB_DRAFTS = new RegExp(
  `^(?:${VIEW_VERB} )?(?:(?:los|las|the) )?` +
    '(?:borradores(?: de (?:articulos|la base de conocimiento))?|articulos (?:pendientes|por publicar|por revisar)|(?:article |kb )?drafts)$',
);
const METRICS = new RegExp(
  `^(?:${VIEW_VERB} )?(?:(?:los|las|the|my|mis|our) )?` +
    '(?:indicadores|indicador|metricas|metrica|estadisticas|metrics|stats|statistics|kpis|kpi|tablero|dashboard)' +
    '(?: (?:de|del|of|for)(?: (?:la|el|the|this))? (?:mesa de ayuda|mesa|servicio|mes|semana|dia|equipo|area|team|month|week|day|service desk|desk))?' +
    '(?: (?:hoy|today))?$',
);

// "exportar casos 2026-11-01 2026-11-30", "exportar los radicados del 2026-11-01 al 2026-11-30",
// "export tickets from 2026-11-01 to 2026-11-30". Dates are checked by the handler.
const EXPORT = new RegExp(
  '^(?:exportar|exporta|exporte|exportame|descargar|descarga|export|download)(?: (?:los|las|todos los|todas las|the|all|all the))?' +
    ` (?:${NOUN_PLURAL}|reporte|report|csv)(?: (?:en|a|as|to) csv)?` +
    '(?: (?:del|de|desde|entre|from|between))?(?: (\\d{4}-\\d{1,2}-\\d{1,2}))?(?: (?:al|a|hasta|y|to|and|until|through))?(?: (\\d{4}-\\d{1,2}-\\d{1,2}))?$',
);

// "historial del radicado MDA-2026-000123", "exportar el historial del caso 123", "audit trail of ticket X".
const HISTORY = new RegExp(
  '^(?:(?:ver|exportar|exporta|descargar|descarga|dame|muestrame|mostrar|export|download|show|get|give me) )?(?:(?:el|la|the) )?' +
    '(?:historial|trazabilidad|auditoria|history|audit trail|audit log)(?: (?:completo|complete|full))?(?: (?:de la|de|del|of|for))?' +
    `${DET}(?: (${NOUN}))?${NUMBER_WORD}(?: (.*))?$`,
);

const CANCEL = new RegExp(
  `^(?:cancelar|cancela|cancelo|anular|anula|anulo|retirar|cancel|withdraw)${DET}(?: (${NOUN}))?${NUMBER_WORD}(?: (.*))?$`,
);

const TAKE = new RegExp(
  `^(?:tomar|tomo|toma|asignarme|autoasignar|auto asignar|take|claim|grab|assign me|assign to me)${DET}(?: (${NOUN}))?${NUMBER_WORD}(?: (.*))?$`,
);

// "estado del radicado X", "what's the status of ticket 45", "status X".
const STATUS_KEYWORD = new RegExp(
  '^(?:(?:cual es|cual|como esta|como va|ver|consultar|revisar|verificar|saber|conocer|dame|dime|muestrame|mostrar|' +
    'what is|whats|what s|check on|check|show me|show|get|see|view|tell me|give me) )?(?:(?:el|la|the) )?' +
    '(?:estado|estatus|status|seguimiento|avance|progreso|state|progress)(?: (?:de la|de mi|de|del|of|for|on))?' +
    `${DET}(?: (${NOUN}))?${NUMBER_WORD}(?: (.*))?$`,
);

// "¿cómo va el radicado X?", "how is ticket X", "any news on case X".
const STATUS_HOW = new RegExp(
  '^(?:como (?:va|van|esta|vamos con|vamos en)|que (?:paso|pasa|hay) (?:con|de)|novedades (?:de|del|sobre)|' +
    'seguimiento (?:a|al)|how is|hows|whats up with|whats happening with|any (?:news|update|updates) (?:on|about|for))' +
    `${DET} (${NOUN})${NUMBER_WORD}(?: (.*?))?(?: (?:going|doing|going on))?$`,
);

// "consultar radicado 2026-77", "radicado 123", "ticket 45".
const STATUS_NOUN = new RegExp(
  '^(?:(consultar|consulta|ver|revisar|buscar|verificar|mostrar|muestrame|rastrear|check|show me|show|view|see|find|' +
    `look up|lookup|track) )?(?:(?:el|la|mi|este|esta|the|my|this) )?(${NOUN})${NUMBER_WORD}(?: (.*))?$`,
);

// Personal data (supervisors): "exportar datos de ana@entidad.gov.co", "anonimizar casos de <object id>".
const EXPORT_PERSON = new RegExp(
  '^(?:exportar|exporta|exporte|export)(?: (?:todos los|todos|los|las|the|all))? (?:datos|data|informacion|information)' +
    '(?: (?:personales|personal))?(?: (?:de|del|of|for|about))?(?: (.*))?$',
);
const ANONYMISE_PERSON = new RegExp(
  '^(?:anonimizar|anonimiza|anonimice|anonymise|anonymize)(?: (?:los|las|the))?(?: (?:datos|data|casos|tickets|cases|radicados))?' +
    '(?: (?:personales|personal|cerrados|closed))?(?: (?:de|del|of|for))?(?: (.*))?$',
);

/** The person a personal-data command names: an e-mail/UPN or an Entra object id, as typed. */
function personArgument(cleaned: string): string | undefined {
  const email = /[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,200}\.[A-Za-z]{2,24}/.exec(cleaned);
  if (email) return email[0];
  const oid = /\b[0-9A-Za-z]{8}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{12}\b/.exec(cleaned);
  return oid?.[0];
}

// ---------------------------------------------------------------------------------------------
// Recogniser
// ---------------------------------------------------------------------------------------------

type Tail = { kind: 'none' } | { kind: 'valid'; radicado: string } | { kind: 'invalid'; hasDigit: boolean };

function readTail(tail: string | undefined, opts: RecognizeOptions): Tail {
  const t = (tail ?? '').trim();
  if (!t) return { kind: 'none' };
  const radicado = normalizeRadicado(t, opts);
  if (radicado) return { kind: 'valid', radicado };
  return { kind: 'invalid', hasDigit: /[0-9]/.test(t) };
}

/**
 * For commands that take an optional radicado: returns the radicado, `null` when the user meant
 * the command but gave no usable number, or `undefined` when the text is not this command.
 */
function radicadoArgument(noun: string | undefined, tail: Tail): string | null | undefined {
  if (tail.kind === 'valid') return tail.radicado;
  if (tail.kind === 'none') return null;
  return noun || tail.hasDigit ? null : undefined;
}

/** Extracts the queue category as the user typed it (case and accents kept). */
function queueCategory(cleaned: string, normalizedCategory: string | undefined): string | undefined {
  if (!normalizedCategory) return undefined;
  const m = /(?:^|[^a-zA-Z\u00c0-\u024f])(?:cola|queue)(?![a-zA-Z\u00c0-\u024f])/i.exec(cleaned);
  let category = m ? cleaned.slice(m.index + m[0].length) : normalizedCategory;
  category = category.replace(/^[\s:,.;\-–—"'“”«»]+/, '');
  category = category.replace(/^(?:de|del|para|for)\s+/i, '');
  category = category.replace(/[\s,]*(?:por favor|porfavor|porfa|please|pls|gracias|thanks|thank you)[\s.!?¡¿]*$/i, '');
  category = category.replace(/[\s:,.;!?¡¿"'“”«»]+$/, '').trim();
  if (!category) category = normalizedCategory.replace(/^(?:de|del|para|for) /, '').trim();
  return category ? category.slice(0, 200) : undefined;
}

/**
 * Stage one: the exact commands (anchored patterns over the whole message). `foreign`: the message
 * names another system's number (Orfeo, a contract…), so the status patterns are skipped.
 */
function matchCommands(s: string, cleaned: string, opts: RecognizeOptions, foreign: boolean): Intent | undefined {
  // A bare radicado with its prefix ("MDA-2026-000123").
  if (/^[a-z]/.test(s)) {
    const bare = normalizeRadicado(s, opts);
    if (bare) return { kind: 'status', radicado: bare };
  }

  if (HELP.test(s)) return { kind: 'help' };
  if (MY_TICKETS.test(s)) return { kind: 'my_tickets' };
  if (MY_APPROVALS.test(s)) return { kind: 'my_approvals' };
  if (NEW_REQUEST.test(s)) return { kind: 'new_request' };

  let m = REGISTER_QUEUE.exec(s);
  if (m) {
    const category = queueCategory(cleaned, m[1]);
    return category ? { kind: 'register_queue', category } : { kind: 'register_queue' };
  }

  m = MOVE_QUEUE.exec(s);
  if (m) {
    const queue = queueCategory(cleaned, m[2]);
    const named = (m[1] ?? '').replace(new RegExp(`^(?:(?:el|la|este|esta|the|this) )?(?:${NOUN} ?)?(?:(?:no|nro|num|numero|number|n) )?`), '').trim();
    const radicado = named ? normalizeRadicado(named, opts) : undefined;
    if (!named || radicado) return { kind: 'move_queue', ...(radicado ? { radicado } : {}), ...(queue ? { queue } : {}) };
  }

  if (QUEUE.test(s)) return { kind: 'queue' };
  if (NEXT.test(s)) return { kind: 'next' };
  if (METRICS.test(s)) return { kind: 'metrics' };
  if (KB_DRAFTS.test(s)) return { kind: 'kb_drafts' };
  if (DECLARE_INCIDENT.test(s)) {
    // The rest as typed (case and accents kept): a radicado first, if any, then the title.
    let rest = cleaned.replace(DECLARE_INCIDENT_RAW, '').trim();
    const first = /^\S+/.exec(rest)?.[0] ?? '';
    const radicado = first ? normalizeRadicado(first, opts) : null;
    if (radicado) rest = rest.slice(first.length).replace(/^[\s:,.;\-–—]+/, '');
    const title = rest.replace(/^["'“”«»]+|["'“”«»]+$/g, '').trim().slice(0, 120);
    return { kind: 'declare_incident', ...(radicado ? { radicado } : {}), ...(title ? { title } : {}) };
  }

  if (EXPORT_PERSON.test(s)) {
    const who = personArgument(cleaned);
    return who ? { kind: 'export_person', who } : { kind: 'export_person' };
  }
  if (ANONYMISE_PERSON.test(s)) {
    const who = personArgument(cleaned);
    return who ? { kind: 'anonymise_person', who } : { kind: 'anonymise_person' };
  }
  m = HISTORY.exec(s);
  // "historial" alone is left to the other readings ("mi historial" lists one's tickets).
  if (m && (m[1] || m[2])) {
    const rad = radicadoArgument(m[1], readTail(m[2], opts));
    if (rad !== undefined) return rad ? { kind: 'history', radicado: rad } : { kind: 'history' };
  }
  m = EXPORT.exec(s);
  if (m) return { kind: 'export', ...(m[1] ? { from: m[1] } : {}), ...(m[2] ? { to: m[2] } : {}) };

  m = CANCEL.exec(s);
  if (m) {
    const rad = radicadoArgument(m[1], readTail(m[2], opts));
    if (rad !== undefined) return rad ? { kind: 'cancel', radicado: rad } : { kind: 'cancel' };
  }

  m = TAKE.exec(s);
  if (m) {
    const rad = radicadoArgument(m[1], readTail(m[2], opts));
    if (rad !== undefined) return rad ? { kind: 'take', radicado: rad } : { kind: 'take' };
  }

  if (foreign) return undefined;

  m = STATUS_KEYWORD.exec(s) ?? STATUS_HOW.exec(s);
  if (m) {
    const rad = radicadoArgument(m[1], readTail(m[2], opts));
    if (rad !== undefined) return rad ? { kind: 'status', radicado: rad } : { kind: 'status_missing' };
  }

  m = STATUS_NOUN.exec(s);
  if (m) {
    const verb = m[1];
    const tail = readTail(m[3], opts);
    if (tail.kind === 'valid') return { kind: 'status', radicado: tail.radicado };
    // Without a verb, a bare noun ("radicado", "caso de prueba") is not a status request.
    if (verb) return { kind: 'status_missing' };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Stage two: reading the words of a message written the way people write
// ---------------------------------------------------------------------------------------------

/** Words between a ticket noun and its number: "caso No. 23", "mi caso es el 98", "ticket #10". */
const NUMBER_LEAD = new Set(['no', 'nro', 'nr', 'num', 'numero', 'number', 'n', 'es', 'el', 'la', 'mi', 'de', 'del', 'is', 'the', '#']);
/** Words that carry nothing for "estado 124" / "#50 estado". */
const EMPTY_WORD = new Set(['el', 'la', 'de', 'del', 'mi', 'al', 'a', 'por', 'favor', 'porfa', 'please', 'the', 'of', 'my', 'for', 'on', 'que', 'en']);
const NEW_WORD = new Set(['nueva', 'nuevo', 'new', 'otra', 'otro', 'another']);
const SEND_WORD = new Set(['enviar', 'envien', 'mandar', 'manden', 'send']);
const ANY_WORD = new Set(['algun', 'alguno', 'alguna', 'any', 'some']);
/** "lo que pedí", "lo mío": a ticket named without a noun. */
const OWN_THING = /\blo (?:que (?:pedi|solicite|reporte|radique)|mio)\b/;

/** What a ticket noun of the message points at. */
type NounReference =
  | { kind: 'ours'; radicado: string } // "caso 98" → MDA-2026-000098
  | { kind: 'other' } // a number of another shape: an imported radicado, looked up by the handler
  | { kind: 'foreign' }; // 7 digits or more: Orfeo and other systems, never a radicado of this desk

interface Reading {
  tokens: string[];
  has: (set: Set<string>) => boolean;
  text: string;
  /** A radicado with this desk's prefix anywhere in the message. */
  full?: string;
  refs: NounReference[];
  foreign: boolean;
}

/** The radicado starting at token i with this desk's prefix ("mda-2026-404", "mda 2026 85", "mda2026000067"). */
function fullRadicadoAt(tokens: string[], i: number, prefix: string, opts: RecognizeOptions): string | undefined {
  if (!prefix || !tokens[i].startsWith(prefix)) return undefined;
  for (let n = 3; n >= 1; n--) {
    if (i + n > tokens.length) continue;
    const r = normalizeRadicado(tokens.slice(i, i + n).join(' '), opts);
    if (r) return r;
  }
  return undefined;
}

/** The number a ticket noun at token i names, if any. */
function nounReference(tokens: string[], i: number, opts: RecognizeOptions): NounReference | undefined {
  let j = i + 1;
  for (let skipped = 0; j < tokens.length && skipped < 3 && NUMBER_LEAD.has(tokens[j]); skipped++) j++;
  if (j >= tokens.length || !/[0-9]/.test(tokens[j])) return undefined;
  for (let n = 3; n >= 1; n--) {
    if (j + n > tokens.length) continue;
    const r = normalizeRadicado(tokens.slice(j, j + n).join(' '), opts);
    if (r) return { kind: 'ours', radicado: r };
  }
  return /^#?[0-9]{7,}$/.test(tokens[j]) ? { kind: 'foreign' } : { kind: 'other' };
}

/** Reads a normalised message whose typos are already fixed (see {@link correctWord}). */
function read(corrected: string, opts: RecognizeOptions): Reading {
  const prefix = stripAccents(String(opts.prefix ?? '')).trim().toLowerCase();
  const text = corrected
    .replace(IDIOM, ' ')
    // "No. 23" is a number, not a negation; "cuenta de cobro" is a document, not a user account.
    .replace(/\bno (?=#?[0-9])/g, 'numero ')
    .replace(new RegExp(FOREIGN_PHRASE.source, 'g'), 'documento contrato')
    .replace(/ +/g, ' ')
    .trim();
  const tokens = text ? text.split(' ') : [];
  const set = new Set(tokens);
  let full: string | undefined;
  const refs: NounReference[] = [];
  for (let i = 0; i < tokens.length && i < 400; i++) {
    full ??= fullRadicadoAt(tokens, i, prefix, opts);
    if (TICKET_NOUN.has(tokens[i])) {
      const ref = nounReference(tokens, i, opts);
      if (ref) refs.push(ref);
    }
  }
  const foreign = !full && (tokens.some((t) => FOREIGN_WORD.has(t)) || FOREIGN_PHRASE.test(text) || refs.some((r) => r.kind === 'foreign'));
  return { tokens, text, has: (words) => tokens.some((t) => words.has(t)) || [...words].some((w) => w.includes(' ') && set.has(w)), full, refs, foreign };
}

/**
 * A message that names a radicado but asks nothing about it: no status word or question, at least
 * three words of its own besides the radicado, courtesy and ticket nouns.
 */
function isRemark(r: Reading, original: string): boolean {
  if (/[?¿]/.test(original) || r.has(STATUS_CUE) || r.has(STATUS_WORD)) return false;
  const digitsOrPrefix = (t: string) => /[0-9]/.test(t) || t === String(r.full ?? '').split('-')[0].toLowerCase();
  const own = r.tokens.filter((t) => !EMPTY_WORD.has(t) && !TICKET_NOUN.has(t) && !GREETING_ONLY.has(t) && !HELP_ONLY.has(t) && !digitsOrPrefix(t));
  return own.length >= 3;
}

/** "estado 124", "#50 estado", "consulta 11": a status word and a number, nothing else. */
function bareStatusNumber(r: Reading, opts: RecognizeOptions): string | undefined {
  const rest = r.tokens.filter((t) => !EMPTY_WORD.has(t));
  if (rest.length !== 2) return undefined;
  const [a, b] = rest;
  const number = STATUS_WORD.has(a) ? b : STATUS_WORD.has(b) ? a : undefined;
  return number && /^#?[0-9]{1,6}$/.test(number) ? normalizeRadicado(number, opts) ?? undefined : undefined;
}

function isProblem(r: Reading): boolean {
  return r.has(IT_OBJECT) && (r.has(NEGATION) || r.has(FAILURE_WORD) || r.has(SERVICE_NEED));
}

function isGreeting(r: Reading): boolean {
  if (!r.tokens.length || !r.tokens.every((t) => GREETING_ONLY.has(t))) return false;
  return r.has(GREETING_CORE) || /\bque (?:mas|hubo)\b/.test(r.text);
}

function isHelp(r: Reading, original: string): boolean {
  if (HELP_QUESTION.test(original) || HELP_QUESTION.test(r.text)) return true;
  const words = r.text.replace(/\bmesa de ayuda\b/g, ' ').split(' ').filter(Boolean);
  return words.length > 0 && words.some((t) => HELP_CORE.has(t)) && words.every((t) => HELP_ONLY.has(t) || GREETING_ONLY.has(t));
}

/** Stage two: what a message means from its words, typos fixed; undefined when it says nothing known. */
function understand(r: Reading, s: string, cleaned: string, opts: RecognizeOptions): Intent | undefined {
  if (!r.tokens.length) return undefined;
  // `cleaned` still has the question marks that `s` (normalised) no longer has.
  if (r.full) return isRemark(r, cleaned) ? { kind: 'status', radicado: r.full, remark: cleaned } : { kind: 'status', radicado: r.full };
  const problem = isProblem(r);
  const own = OWN_THING.test(r.text) || OWN_THING.test(s);
  const hasNoun = r.has(TICKET_NOUN) || own;
  if (!r.foreign) {
    const ours = r.refs.find((x): x is Extract<NounReference, { kind: 'ours' }> => x.kind === 'ours');
    if (ours) return { kind: 'status', radicado: ours.radicado };
    const bare = bareStatusNumber(r, opts);
    if (bare) return { kind: 'status', radicado: bare };
    const creating = r.has(CREATE_VERB) || r.has(NEW_WORD);
    // "open" describes tickets as often as it opens one ("do I have any open tickets?").
    if (r.has(TICKET_NOUNS) && !r.tokens.some((t) => t !== 'open' && (CREATE_VERB.has(t) || NEW_WORD.has(t)))) return { kind: 'my_tickets' };
    if (r.has(HAVE_WORD) && r.has(ANY_WORD) && r.has(TICKET_NOUN)) return { kind: 'my_tickets' };
    if (/\btengo (?:algo )?pendientes?\b/.test(r.text)) return { kind: 'my_tickets' };
    if (own && r.has(STATUS_CUE)) return { kind: 'status_missing' };
    if (creating && hasNoun && !r.has(STATUS_WORD)) return problem ? { kind: 'problem', text: cleaned } : { kind: 'new_request' };
    if (hasNoun && (r.has(STATUS_CUE) || r.refs.length > 0)) return { kind: 'status_missing' };
  }
  if (problem) return { kind: 'problem', text: cleaned };
  if (r.has(CREATE_VERB) && r.has(CREATE_OBJECT)) return { kind: 'new_request' };
  if ((r.has(NEED_WORD) || r.has(SEND_WORD)) && r.has(SUPPORT_WORD)) return { kind: 'new_request' };
  if (r.has(HAVE_WORD) && r.has(PROBLEM_WORD)) return { kind: 'new_request' };
  if (r.has(PROBLEM_WORD) && r.has(SUPPORT_WORD)) return { kind: 'new_request' };
  if (r.has(CATALOG_WORD)) return { kind: 'new_request' };
  if (r.has(NEED_WORD) && r.has(FILE_VERB)) return { kind: 'new_request' };
  if (isHelp(r, s)) return { kind: 'help' };
  if (isGreeting(r)) return { kind: 'greeting' };
  return undefined;
}

function recognizeUnsafe(text: string, opts: RecognizeOptions): Intent {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_RAW_LENGTH) return { kind: 'unknown' };
  const cleaned = cleanText(text);
  if (cleaned.length === 0 || cleaned.length > MAX_TEXT_LENGTH) return { kind: 'unknown' };

  // A lone question mark asks for help.
  if (/^[?¿\s]+$/.test(cleaned)) return { kind: 'help' };

  let s = normalizeForMatch(cleaned);
  // Plain-text mention of the bot ("@Mesa de Ayuda ...").
  s = s.replace(/^mesa de ayuda(?: |$)/, '');
  if (!s) return { kind: 'unknown' };

  // Greeting only when the whole text is a greeting.
  if (GREETING.test(s)) return { kind: 'greeting' };

  const stripped = stripFillers(s);
  if (!stripped) return { kind: 'unknown' };

  // Typos are fixed in the first words only: a long message is a description, not a command, and
  // this bounds the cost of a message full of words never seen before.
  const corrected = s
    .split(' ')
    .map((w, i) => (i < MAX_CORRECTED_WORDS ? correctWord(w) : w))
    .join(' ');
  const reading = read(corrected, opts);
  // The exact commands, as typed, then with typos fixed ("nueva solictud", "mis csos").
  let command = matchCommands(stripped, cleaned, opts, reading.foreign);
  if (opts.commandsOnly) return command ?? { kind: 'unknown' };
  if (!command) {
    const fixed = stripFillers(corrected);
    if (fixed && fixed !== stripped) command = matchCommands(fixed, cleaned, opts, reading.foreign);
  }
  if (command && command.kind !== 'status_missing') return command;
  const understood = understand(reading, s, cleaned, opts);
  // "estado del radicado, es el 45": the words found the number the pattern did not.
  if (command) return understood?.kind === 'status' ? understood : command;
  return understood ?? { kind: 'unknown' };
}

/** Messages this long or shorter are remembered with what they meant (longer ones are descriptions, each new). */
const REMEMBERED_LENGTH = 120;
/** Recognitions remembered per set of options (people send the same few commands again and again). */
const REMEMBERED = 2000;
const memos = new Map<string, (text: string) => Intent>();

function recognizeSafely(text: string, opts: RecognizeOptions): Intent {
  try {
    return recognizeUnsafe(text, opts);
  } catch {
    return { kind: 'unknown' };
  }
}

/**
 * Recognises what the user asked for. Never throws; anything unclear is `unknown`. A short message
 * seen before gets the answer it got then (the same object, frozen: a pure function of the text and
 * the options).
 */
export function recognize(text: string, opts: RecognizeOptions): Intent {
  if (typeof text !== 'string' || text.length > REMEMBERED_LENGTH) return recognizeSafely(text, opts);
  const key = `${opts.prefix}\u0000${opts.year}\u0000${opts.commandsOnly ? 1 : 0}`;
  let memo = memos.get(key);
  if (!memo) {
    const fixed: RecognizeOptions = { ...opts };
    memo = boundedMemo(REMEMBERED, (t) => Object.freeze(recognizeSafely(t, fixed)));
    memos.set(key, memo);
  }
  return memo(text);
}
