/**
 * "Is this the same problem?" — a simple, explainable similarity between two descriptions: the
 * Jaccard index of their word sets (shared words ÷ all distinct words) after normalising Spanish
 * text: lower case, no accents or punctuation, no stop words, a crude plural folding ("impresoras"
 * → "impresora"). 1 = same words, 0 = nothing in common. No framework imports.
 */

const STOP_WORDS = new Set(
  (
    'a al algo algun alguna algunas alguno algunos ante antes aqui asi aun cada casi como con contra cual cuando de del desde ' +
    'donde dos e el ella ellas ello ellos en entre era es esa esas ese eso esos esta estaba estan estar estas este esto estos ' +
    'fue ha hace hay hasta la las le les lo los mas me mi mis mucho muy nada ni no nos nuestra nuestro o otra otro para pero ' +
    'poco por porque puede puedo que quien se sea ser si sin sobre solo son su sus tambien te tengo tiene todo todos tu tus ' +
    'un una uno unos usted y ya yo favor gracias buenos buenas dias tardes hola necesito ayuda ' +
    'the an and or of to in on for with is are it my i me we not no please'
  ).split(/\s+/),
);

/** The normalised word set of a text (see the module comment). */
export function wordSet(text: string): Set<string> {
  const folded = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9ñ]+/g, ' ');
  const words = new Set<string>();
  for (const raw of folded.split(' ')) {
    if (raw.length < 2 || STOP_WORDS.has(raw)) continue;
    // Plural folding: "impresoras" → "impresora", "conexiones" → "conexion".
    const w = raw.length > 5 && raw.endsWith('es') ? raw.slice(0, -2) : raw.length > 4 && raw.endsWith('s') ? raw.slice(0, -1) : raw;
    words.add(w);
  }
  return words;
}

/** Jaccard index of the two texts' word sets, 0..1 (0 when either has no meaningful word). */
export function similarity(a: string, b: string): number {
  return similarityTo(b)(a);
}

/** Similarity to one text, its word set built once, for comparing it with many. */
export function similarityTo(text: string): (other: string) => number {
  const B = wordSet(text);
  return (other) => {
    const A = wordSet(other);
    if (!A.size || !B.size) return 0;
    let shared = 0;
    for (const w of A) if (B.has(w)) shared++;
    return shared / (A.size + B.size - shared);
  };
}
