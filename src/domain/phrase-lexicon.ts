/**
 * The words the recogniser (phrases.ts) reads messages with, in Spanish (es-CO) and English, after
 * normalisation (lower case, no accents, no punctuation). Every list is a set of whole words, so
 * matching is a set look-up; typos are fixed against {@link VOCABULARY} before the look-ups.
 */
import { collapseRepeats, Vocabulary } from './text-match';
import { boundedMemo } from './bounded-memo';

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

/** One ticket: "caso", "radicado", "solicitud"… ("rad" is the short form people type). */
export const TICKET_NOUN = words(
  'radicado rad caso solicitud ticket tiquete requerimiento incidente incidencia reporte pedido case request incident',
);
/** Several tickets. */
export const TICKET_NOUNS = words(
  'radicados casos solicitudes tickets tiquetes requerimientos incidentes incidencias pedidos cases requests incidents',
);

/**
 * Words that ask how a ticket is going, when a ticket is named in the same message
 * ("¿en qué va mi caso?", "ya revisaron el radicado…", "who is working on my ticket").
 */
export const STATUS_CUE = words(
  [
    'estado estatus status satus seguimiento avance avances progreso novedad novedades razon informacion info respuesta tramite',
    'va van vamos ba paso pasado pasa revisaron reviso revisado revisando atendieron atendido atendida atendiendo atienden atiende atender',
    'solucionaron solucionan solucionado solucionada resolvieron resuelto resuelta cerraron vieron vio visto asignaron asignado asignada',
    'asigno quedo falta abierto abierta posicion sigue cuando quien consultar consulta revisar saber conocer preguntar',
    'update updates news progress state resolved fixed working handling handled looked happened happening going assigned',
    'follow following check checking where who when know',
  ].join(' '),
);
/** Status words that need no question around them ("estado 124", "#50 estado"). */
export const STATUS_WORD = words('estado estatus status satus seguimiento consulta consultar');

/** Possession and listing, for "mis casos" said other ways. */
export const MINE_CUE = words('mis my tengo tenemos he have i cuales cuantos which list lista listado historial');

/** Verbs that open a new ticket (matched as whole words). */
export const CREATE_VERB = words(
  [
    'crear creame crea cree creo abrir abro abra abran registrar registro registre radicar radico radique montar monte monten montando montarme',
    'poner pongo ponga levantar levanto levante hacer hago haga generar genere reportar reporto reporte reportando solicitar pedir',
    'create open log raise submit file report make start lodge',
  ].join(' '),
);
/** What one creates: a ticket, a problem, support. */
export const CREATE_OBJECT = words(
  'problema falla inconveniente incidente soporte servicio asistencia problem issue support service request ticket case',
);
/** Verbs that only ever mean filing something ("necesito reportar algo", "quiero radicar"). */
export const FILE_VERB = words('reportar radicar registrar montar levantar crear abrir report create log raise submit');
/** A person or help from the service desk ("necesito un ingeniero", "soporte técnico"). */
export const SUPPORT_WORD = words('soporte asistencia tecnico tecnica ingeniero ingeniera support technician tech assistance');
/** Words of needing or asking. */
export const NEED_WORD = words('necesito necesita requiero requiere quiero quisiera solicito pido need needs want wanted');
/** "tengo un problema", "I have an issue". */
export const HAVE_WORD = words('tengo tenemos hay have has');
export const PROBLEM_WORD = words('problema problemas falla fallas inconveniente inconvenientes problem problems issue issues');
export const CATALOG_WORD = words('catalogo catalog');

/** Things the service desk looks after: when one of these fails, the message is a request. */
export const IT_OBJECT = words(
  [
    'impresora impresoras impresion imprimir imprime escaner scanner toner papel computador computadora computadores pc portatil laptop',
    'equipo equipos pantalla monitor teclado mouse raton diadema audifonos camara microfono cargador cable usb',
    'correo correos outlook email mail buzon mailbox teams onedrive sharepoint vpn internet red wifi conexion',
    'contrasena contrasenas clave password passwords cuenta usuario sesion login account user',
    'sistema aplicativo aplicacion app plataforma programa software licencia visio project autocad office word excel adobe reader pdf',
    'telefono phone extension tono llamadas calls reunion reuniones meeting carpeta folder archivo archivos file files',
    'remoto remote escritorio desktop citrix nomina intranet navegador chrome edge printer computer screen keyboard headset',
  ].join(' '),
);

/** Negations: with an object the desk looks after, a failure ("no me funciona la impresora"). */
export const NEGATION = words('no nunca sin ni cant cannot wont doesnt dont isnt not didnt couldnt aren');
/** Words of failure. */
export const FAILURE_WORD = words(
  [
    'falla fallas fallando fallo error errores lento lenta lentisimo bloqueo bloqueada bloqueado bloquearon bloquea',
    'danado danada dano danaron caida caido cayo atasca atascada atasco borroso negra negro azul desconecta desconectando',
    'reinicia reiniciando olvide olvido vencio vencida expiro lleno llena borre borro borrado borraron perdi congela congelado',
    'pega pegado virus hackeado problema problemas inconveniente pide pidiendo cierra cierran traba trabado',
    'slow locked broken down jammed jam blue disconnecting disconnects dropping drops restarts forgot forgotten expired full',
    'deleted lost frozen freezes crash crashes crashing crashed hacked problem issue asks asking closes',
  ].join(' '),
);
/** Asking for a service on an object the desk looks after ("necesito instalar Visio", "need VPN access"). */
export const SERVICE_NEED = words(
  [
    'necesito necesita requiero quiero solicito instalar instalen instale instalacion acceso restablecer restablezcan desbloquear',
    'desbloqueen recuperar ampliar ampliacion cambiar need needs want install installed installing access reset unlock recover',
  ].join(' '),
);

/** Names of other systems and documents: their numbers are never a radicado of this desk. */
export const FOREIGN_WORD = words(
  [
    'orfeo correspondencia pqrs pqr pqrsd peticion tutela contrato contratos contract contratacion oficio memorando memo',
    'resolucion expediente licitacion factura facturas invoice cdp nit cedula secop sigep parqueadero aereo avion vuelo',
    'queja reclamo demanda',
  ].join(' '),
);
/** Multi-word names of other documents ("cuenta de cobro", "estado de cuenta"). */
export const FOREIGN_PHRASE = /\b(?:cuenta de cobro|cuentas de cobro|estado de cuenta|gestion documental|ventanilla unica)\b/;

/** Whole-message greetings: every word from here, with at least one from GREETING_CORE. */
export const GREETING_CORE = words(
  'hola holi holaa buenas buenos buen saludos saludo quiubo quibo hello hi hey hiya morning afternoon evening alo',
);
export const GREETING_ONLY = words(
  [
    'hola holi buenas buenos buen muy dia dias tardes noches saludos saludo cordial cordiales que tal mas hubo quiubo quibo como',
    'estas esta estan va vamos todo le les a todos todas ingeniero ingeniera ingenieros doctor doctora senor senora senores',
    'equipo mesa de ayuda bot hello hi hey hiya good morning afternoon evening day there how are you everyone all team alo',
  ].join(' '),
);

/** Whole-message help: every word from here, with at least one from HELP_CORE. */
export const HELP_CORE = words('ayuda ayudame ayudenme help menu opciones comandos instrucciones commands options instructions');
export const HELP_ONLY = words(
  'ayuda ayudame ayudenme help menu opciones comandos instrucciones commands options instructions necesito quiero me please por favor porfa i need some',
);
/** Questions about the bot itself ("¿qué puedo hacer aquí?", "how do I use this?"). */
export const HELP_QUESTION = new RegExp(
  '\\b(?:que (?:puedo|podemos|se puede|sabes|puedes|pueden|puede) hacer|como (?:funciona|funcionas|se usa|lo uso|uso|utilizo)(?: (?:esto|este|el|la) (?:bot|chat|servicio|mesa))?\\b|' +
    'para que sirve|que es esto|como es que funciona|en que me (?:puedes|pueden|puede|podrias|podrian) ayudar|que opciones|que servicios|no se (?:como|que) (?:usar|hacer|uso)|' +
    'que hago aqui|what can (?:i|you)|what is this|how (?:do|can) i use|how does (?:this|it|the bot)|what are the (?:commands|options)|how to use)\\b',
);

/**
 * Phrases where "caso" is not a ticket ("el caso es que…", "en ese caso", "in case you need it"):
 * removed before reading the message.
 */
export const IDIOM = new RegExp(
  '\\b(?:el caso es que|la cosa es que|en ese caso|en todo caso|en cualquier caso|en tal caso|hacer caso|hace caso|' +
    'en caso de que|en caso de|por si acaso|por si|just in case|in case(?: you| it| they)?(?: need| needs)?(?: it| them)?|' +
    'the thing is|caso (?:del|de la) (?:senor|senora|doctor|doctora|usuario|usuaria|funcionario|funcionaria|contratista) \\w+)\\b',
  'g',
);

/** Short forms and common misspellings that an edit distance cannot fix. */
export const SHORT_FORMS: Record<string, string> = {
  q: 'que',
  k: 'que',
  xq: 'porque',
  pq: 'porque',
  d: 'de',
  x: 'por',
  xfa: 'porfa',
  plis: 'please',
  pls: 'please',
  plz: 'please',
  bnos: 'buenos',
  bns: 'buenas',
  bpn: 'vpn',
  info: 'informacion',
  tkt: 'ticket',
  tk: 'ticket',
  sol: 'solicitud',
  cel: 'celular',
  compu: 'computador',
  pc: 'pc',
};

/** Everyday words that are one letter away from a keyword and must not be "corrected" into it. */
const PROTECTED = words(
  [
    'casa casas cosa cada caja cama cava cayo nueve corre corren llave llaves mesa mesas esta este esto estos estas estan estoy',
    'todo toda todos todas tener tiene tienen viene vienen sirve sirven paso pase peso vaso eso esa ese mismo misma tarde tardes',
    'para pues pero cuenta cuento cuentas usuario usuarios equipo equipos sistema sistemas archivo archivos dias dia meses hola',
    'gracias favor porfa vale bien listo dale ahora hoy ayer nada algo alguien algun alguna cual cuales donde como cuando',
    'lunes martes jueves viernes sabado domingo semana mes ano hora horas piso sede oficina area jefe jefa reunion informe',
    'llamar llama llamo puede pueden puedo poder favor quedo atento atenta firma firmo salio entre entra entro',
    'usar uso usa usan casi lleva llevo tomo toma tomar abre abren abrio pedi',
    'this that what when where with have here there thanks thank time case cases ease base rest test text next',
  ].join(' '),
);

/** Words that are never corrected: every word of the lists above and the everyday words. */
const KNOWN = new Set<string>(
  [
    TICKET_NOUN, TICKET_NOUNS, STATUS_CUE, MINE_CUE, CREATE_VERB, CREATE_OBJECT, SUPPORT_WORD, NEED_WORD, HAVE_WORD, PROBLEM_WORD,
    IT_OBJECT, NEGATION, FAILURE_WORD, SERVICE_NEED, FOREIGN_WORD, GREETING_CORE, GREETING_ONLY, HELP_CORE, HELP_ONLY, PROTECTED,
  ].flatMap((set) => [...set]),
);

/** Words typos are corrected to: the keywords above (and their plurals). */
export const VOCABULARY = new Vocabulary(
  [
    ...TICKET_NOUN,
    ...TICKET_NOUNS,
    ...STATUS_CUE,
    ...CREATE_VERB,
    ...CREATE_OBJECT,
    ...SUPPORT_WORD,
    ...IT_OBJECT,
    ...FAILURE_WORD,
    ...SERVICE_NEED,
    ...HELP_CORE,
    ...CATALOG_WORD,
    'nueva nuevo nuevas nuevos funciona funcionan funciono funcione sirve prende enciende arranca conecta entrar ingresar acceder imprime',
    'buenos buenas tardes noches gracias mis pendientes abiertos abiertas pendiente',
  ]
    .flatMap((w) => w.split(' '))
    .filter((w) => w.length >= 4),
);

/**
 * Fixes the typos of one normalised word: repeated letters, short forms, then the closest keyword
 * within the allowed edits ("estdo" → "estado", "csos" → "casos"); everyday words stay as typed.
 */
export function correctWord(word: string): string {
  if (/[0-9#-]/.test(word) || KNOWN.has(word)) return word;
  return corrected(word);
}

const corrected = boundedMemo(5000, (word) => correctUncached(word));

function correctUncached(word: string): string {
  const twice = collapseRepeats(word, 2);
  const once = collapseRepeats(word, 1);
  // Any doubled letter typed once ("casso" → "caso"), tried after the forms above.
  const single = once.replace(/([a-z])\1+/g, '$1');
  for (const w of new Set([twice, once, single])) {
    const short = SHORT_FORMS[w];
    if (short) return short;
    if (PROTECTED.has(w) || VOCABULARY.has(w)) return w;
  }
  if (once.length < 4) return once;
  return VOCABULARY.closest(twice) ?? VOCABULARY.closest(once) ?? once;
}
