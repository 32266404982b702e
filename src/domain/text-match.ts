/**
 * Typo-tolerant word matching for what people type: a bounded edit distance that counts a swap of
 * two neighbouring letters as one edit ("esatdo" → "estado"), and the closest word of a vocabulary.
 * Pure functions, no dependencies; every loop is bounded by the (short) word lengths.
 */

/** Words longer than this are never compared (no keyword is this long; keeps the cost fixed). */
const MAX_WORD_LENGTH = 24;

/** Rows of the distance table, reused by every call (words are at most MAX_WORD_LENGTH long). */
const rowTwoBack = new Int32Array(MAX_WORD_LENGTH + 1);
const rowBack = new Int32Array(MAX_WORD_LENGTH + 1);
const rowNow = new Int32Array(MAX_WORD_LENGTH + 1);

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions) between `a` and `b`,
 * or `max + 1` as soon as it is certain to exceed `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a.length > MAX_WORD_LENGTH || b.length > MAX_WORD_LENGTH) return max + 1;
  const n = b.length;
  let prev2 = rowTwoBack;
  let prev = rowBack;
  let cur = rowNow;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      let d = prev[j - 1] + (ca === cb ? 0 : 1);
      if (prev[j] + 1 < d) d = prev[j] + 1;
      if (cur[j - 1] + 1 < d) d = cur[j - 1] + 1;
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb && prev2[j - 2] + 1 < d) d = prev2[j - 2] + 1;
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[n] > max ? max + 1 : prev[n];
}

/** How many edits a word of this length may have and still be recognised: 0 below 4 letters, 1 up to 7, 2 from 8. */
export function allowedEdits(length: number): number {
  return length < 4 ? 0 : length < 8 ? 1 : 2;
}

/**
 * Collapses a letter typed three or more times in a row to `keep` letters: 2 keeps Spanish double
 * letters ("corrreo" → "correo"), 1 undoes stretched words ("ayudaaa" → "ayuda").
 */
export function collapseRepeats(word: string, keep: 1 | 2 = 1): string {
  return word.replace(/([a-z])\1{2,}/g, keep === 1 ? '$1' : '$1$1');
}

/**
 * How a Spanish word sounds, roughly: the letters people swap when typing fast or by ear
 * (z/s, v/b, ll/y, a silent h, c before e/i, qu/k) collapse to one.
 */
export function soundKey(word: string): string {
  return word
    .replace(/h/g, '')
    .replace(/ll/g, 'y')
    .replace(/c([ei])/g, 's$1')
    .replace(/qu/g, 'k')
    .replace(/z/g, 's')
    .replace(/v/g, 'b');
}

/**
 * A vocabulary indexed by length, for finding the closest word of a token. The closest word wins;
 * a tie between two different words is no match (the typo is ambiguous).
 */
export class Vocabulary {
  private readonly byLength = new Map<number, string[]>();
  private readonly words: Set<string>;

  constructor(words: Iterable<string>) {
    this.words = new Set(words);
    for (const w of this.words) {
      const list = this.byLength.get(w.length) ?? [];
      list.push(w);
      this.byLength.set(w.length, list);
    }
  }

  has(word: string): boolean {
    return this.words.has(word);
  }

  /**
   * The vocabulary word within the allowed edits of `token` (see {@link allowedEdits}), or
   * undefined. Among equally close words, one the token is the start of ("solicitu" → "solicitud")
   * or that sounds the same ("cazo" → "caso") wins; otherwise the typo is ambiguous.
   */
  closest(token: string): string | undefined {
    if (this.words.has(token)) return token;
    const max = allowedEdits(token.length);
    if (max === 0) return undefined;
    let bestDistance = max + 1;
    let best: string[] = [];
    for (let len = token.length - max; len <= token.length + max; len++) {
      if (len < 4) continue;
      for (const w of this.byLength.get(len) ?? []) {
        const limit = Math.min(max, allowedEdits(w.length));
        const d = editDistance(token, w, limit);
        if (d > limit || d > bestDistance) continue;
        if (d < bestDistance) {
          bestDistance = d;
          best = [];
        }
        best.push(w);
      }
    }
    if (best.length <= 1) return best[0];
    const truncated = best.filter((w) => w.startsWith(token));
    if (truncated.length === 1) return truncated[0];
    const key = soundKey(token);
    const sameSound = best.filter((w) => soundKey(w) === key);
    return sameSound.length === 1 ? sameSound[0] : undefined;
  }
}
