/** `@orama/stemmers` publishes its per-language stemmers as package subpaths (exports map). */
declare module '@orama/stemmers/spanish' {
  export function stemmer(word: string): string;
}
declare module '@orama/stemmers/english' {
  export function stemmer(word: string): string;
}
