/**
 * Which catalog templates fit a problem described in the user's own words ("no me funciona la
 * impresora"): each template is scored by the words it shares with the message — its keywords
 * count most, then its name, its service's name and the descriptions — weighted by how rare each
 * word is in the catalog, with typos tolerated. Pure; only templates the roles may use are offered.
 */
import type { Role } from '../types';
import { editDistance } from '../text-match';
import type { CatalogService, TemplateLocation } from './catalog';
import type { Template } from './schema';

/** At most this many templates are offered. */
export const MAX_SUGGESTIONS = 3;
/** A template must score at least this much (about one distinctive word in its name) to be offered. */
const MIN_SCORE = 1.5;
/** Templates far behind the best one are left out: under this share of the best score. */
const RELATIVE_CUT = 0.5;
/** Only this much of the message is read. */
const MAX_TEXT = 2000;

const WEIGHT = { keyword: 3, name: 2, service: 1.5, description: 1 } as const;

/** Words that say nothing about which template fits (both languages, no accents). */
const STOPWORDS = new Set(
  [
    'de del la las el los un una unos unas uno y o u a al en con por para que q me mi mis se su sus lo le les es son',
    'esta estan este esto estos esa ese eso muy mas ya hay tengo tiene tienen como pero desde cuando donde sin sobre entre hasta',
    'porque pues favor porfa buenos buenas dias dia tardes noches hola gracias necesito quiero puedo puede pueden podria ayuda',
    'ayudan colabora cordial saludo doctor doctora ingeniero ingeniera senor senora no si ni nos todo toda todos todas otra otro',
    'hace hacer cada rato vez veces ahora hoy ayer siempre nunca tambien solo algo alguien favor deja sale aparece',
    'the a an and or to of in on for with from my me i is are was it its this that can cant cannot not dont doesnt wont',
    'please hi hello need want have has had get got any some all at by be been do does did your you we our us',
    'work works working doesn isn keep keeps',
    'su sus ud usted sumerce etc ok bien mal nada',
  ]
    .join(' ')
    .split(' '),
);

/** Lowercase, no accents, letters and digits only; words of three letters or more (or "pc", "ip"). */
function words(text: string): string[] {
  const out: string[] = [];
  const s = text.slice(0, MAX_TEXT).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  for (const w of s.split(/[^a-z0-9]+/)) {
    if (!w || STOPWORDS.has(w)) continue;
    if (w.length < 3 && w !== 'pc' && w !== 'ip') continue;
    out.push(stem(w));
  }
  return out;
}

/** A light stem: plural endings off ("impresoras" → "impresora", "correos" → "correo"). */
function stem(w: string): string {
  if (w.length > 5 && w.endsWith('es') && !w.endsWith('ees')) return w.slice(0, -2);
  if (w.length > 4 && w.endsWith('s')) return w.slice(0, -1);
  return w;
}

/** Whether a message word and a template word are the same word, allowing a typo in longer words. */
function same(a: string, b: string): boolean {
  if (a === b) return true;
  // Forms of one word share most of their start ("imprime" / "imprimir", "instalen" / "instalar"),
  // which different words rarely do ("contrasena" / "contratacion").
  const n = Math.min(a.length, b.length);
  let common = 0;
  while (common < n && a.charCodeAt(common) === b.charCodeAt(common)) common++;
  if (common >= 5 && common >= 0.7 * n) return true;
  // Short words must match exactly ("caso" is not "casa", "tone" is not "toner"); one typo from
  // five letters, two from ten ("internet" is not "intranet").
  const n2 = Math.min(a.length, b.length);
  const max = n2 < 5 ? 0 : n2 < 10 ? 1 : 2;
  return max > 0 && editDistance(a, b, max) <= max;
}

interface IndexedTemplate {
  location: TemplateLocation;
  /** Each word of the template with the highest weight it has there. */
  terms: Map<string, number>;
}

interface Index {
  templates: IndexedTemplate[];
  /** In how many templates each word appears. */
  frequency: Map<string, number>;
}

const indexes = new WeakMap<CatalogService, Index>();

function add(terms: Map<string, number>, text: string, weight: number) {
  for (const w of words(text)) terms.set(w, Math.max(terms.get(w) ?? 0, weight));
}

function indexOf(catalog: CatalogService): Index {
  const known = indexes.get(catalog);
  if (known) return known;
  const templates: IndexedTemplate[] = [];
  for (const category of catalog.catalog.categories) {
    for (const service of category.services) {
      for (const template of service.templates) {
        if (template.retired) continue;
        const terms = new Map<string, number>();
        add(terms, `${category.description.es} ${category.description.en}`, WEIGHT.description / 2);
        add(terms, `${service.description.es} ${service.description.en} ${template.description.es} ${template.description.en}`, WEIGHT.description);
        add(terms, `${service.name.es} ${service.name.en}`, WEIGHT.service);
        add(terms, `${template.name.es} ${template.name.en}`, WEIGHT.name);
        add(terms, (template.keywords ?? []).join(' '), WEIGHT.keyword);
        templates.push({ location: { category, service, template }, terms });
      }
    }
  }
  const frequency = new Map<string, number>();
  for (const t of templates) for (const w of t.terms.keys()) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const index = { templates, frequency };
  indexes.set(catalog, index);
  return index;
}

export interface Suggestion {
  template: Template;
  location: TemplateLocation;
  score: number;
}

/**
 * The templates (at most {@link MAX_SUGGESTIONS}) that best fit `text`, best first, among those the
 * roles may use; empty when nothing in the catalog fits. Ties keep catalog order.
 */
export function suggestTemplates(catalog: CatalogService, roles: readonly Role[], text: string, limit = MAX_SUGGESTIONS): Suggestion[] {
  const index = indexOf(catalog);
  const message = [...new Set(words(typeof text === 'string' ? text : ''))];
  if (message.length === 0) return [];
  const total = index.templates.length;
  const scored: Suggestion[] = [];
  for (const t of index.templates) {
    if (catalog.canUse(t.location.template.id, roles) !== 'ok') continue;
    let score = 0;
    for (const w of message) {
      let best = 0;
      let rarity = 0;
      for (const [term, weight] of t.terms) {
        if (weight <= best || !same(w, term)) continue;
        best = weight;
        rarity = Math.log(1 + total / (index.frequency.get(term) ?? 1));
      }
      score += best * rarity;
    }
    if (score > 0) scored.push({ template: t.location.template, location: t.location, score });
  }
  scored.sort((a, b) => b.score - a.score);
  const top = scored[0]?.score ?? 0;
  if (top < MIN_SCORE) return [];
  return scored.filter((s) => s.score >= top * RELATIVE_CUT).slice(0, Math.max(1, Math.min(limit, MAX_SUGGESTIONS)));
}
