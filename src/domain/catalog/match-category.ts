/**
 * Which catalog category a person means when they name one ("registrar cola correo"): the exact
 * name or id, else the categories whose name has a word starting with each word typed. Pure.
 */
import type { Category } from './schema';

export type CategoryMatch = { kind: 'one'; category: Category } | { kind: 'many'; candidates: Category[] } | { kind: 'none' };

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
const words = (s: string) => fold(s).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
/** Words too common to tell categories apart. */
const STOP = new Set(['y', 'de', 'del', 'la', 'el', 'los', 'las', 'e', 'and', 'of', 'the', 'cola', 'queue']);

export function matchCategory(text: string, categories: Category[]): CategoryMatch {
  const wanted = fold(text);
  if (!wanted) return { kind: 'none' };
  const exact = categories.find((c) => c.id === wanted || fold(c.name.es) === wanted || fold(c.name.en) === wanted);
  if (exact) return { kind: 'one', category: exact };
  const typed = words(text).filter((w) => !STOP.has(w));
  if (!typed.length) return { kind: 'none' };
  const candidates = categories.filter((c) => {
    const names = [...words(c.name.es), ...words(c.name.en), ...c.id.split('-')];
    return typed.every((w) => names.some((n) => n.startsWith(w)));
  });
  if (candidates.length === 1) return { kind: 'one', category: candidates[0] };
  return candidates.length ? { kind: 'many', candidates } : { kind: 'none' };
}
