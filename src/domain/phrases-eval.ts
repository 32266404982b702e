/**
 * Measures the recogniser (phrases.ts) on a corpus of messages written the way employees write,
 * each with the intent it must be read as: precision and recall per intent, the overall share read
 * right, and the share of "must not be a status query" messages that were not. Pure: the corpus
 * comes in as data (test/fixtures/phrases-corpus.json), the figures go out as data and text.
 */
import { z } from 'zod';
import { recognize, type Intent, type RecognizeOptions } from './phrases';

/** Messages of this group must never be read as a status query (phones, asset tags, Orfeo…). */
export const MUST_NOT_BE_STATUS = 'not-status';
const STATUS_KINDS: ReadonlySet<string> = new Set(['status', 'status_missing']);

const corpusSchema = z
  .object({
    about: z.string().optional(),
    prefix: z.string().min(1),
    year: z.number().int(),
    messages: z
      .array(
        z
          .object({
            text: z.string(),
            intent: z.string().min(1),
            radicado: z.string().optional(),
            lang: z.enum(['es', 'en']),
            group: z.string().min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type Corpus = z.infer<typeof corpusSchema>;
export type CorpusMessage = Corpus['messages'][number];

/** Checks the shape of a parsed corpus file; throws with the path of the first problem. */
export function parseCorpus(json: unknown): Corpus {
  const parsed = corpusSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`phrases corpus: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export interface IntentFigures {
  intent: string;
  /** Messages of the corpus with this intent. */
  support: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Of the messages read as this intent, the share that were (1 when none were). */
  precision: number;
  /** Of the messages with this intent, the share read as it. */
  recall: number;
}

export interface Miss {
  text: string;
  expected: string;
  got: string;
  lang: string;
  group: string;
}

export interface EvalReport {
  total: number;
  correct: number;
  /** correct / total. */
  accuracy: number;
  byLanguage: Record<string, { total: number; correct: number; accuracy: number }>;
  mustNotBeStatus: { total: number; notStatus: number; rate: number };
  perIntent: IntentFigures[];
  misses: Miss[];
}

function describe(intent: Intent): string {
  const radicado = 'radicado' in intent && intent.radicado ? ` ${intent.radicado}` : '';
  return `${intent.kind}${radicado}`;
}

/**
 * Runs `recognise` over every message. A message is read right when its intent matches and, where
 * the corpus gives a radicado, the normalised radicado matches too.
 */
export function evaluate(corpus: Corpus, recognise: (text: string, opts: RecognizeOptions) => Intent = recognize): EvalReport {
  const opts = { prefix: corpus.prefix, year: corpus.year };
  const intents = new Map<string, { tp: number; fp: number; fn: number; support: number }>();
  const figures = (kind: string) => {
    let f = intents.get(kind);
    if (!f) intents.set(kind, (f = { tp: 0, fp: 0, fn: 0, support: 0 }));
    return f;
  };
  const byLanguage: EvalReport['byLanguage'] = {};
  const misses: Miss[] = [];
  let correct = 0;
  let guarded = 0;
  let notStatus = 0;
  for (const m of corpus.messages) {
    const got = recognise(m.text, opts);
    const gotRadicado = 'radicado' in got ? got.radicado : undefined;
    const right = got.kind === m.intent && (m.radicado === undefined || gotRadicado === m.radicado);
    figures(m.intent).support++;
    if (right) {
      figures(m.intent).tp++;
    } else {
      figures(m.intent).fn++;
      figures(got.kind).fp++;
      misses.push({ text: m.text, expected: m.radicado ? `${m.intent} ${m.radicado}` : m.intent, got: describe(got), lang: m.lang, group: m.group });
    }
    if (right) correct++;
    const lang = (byLanguage[m.lang] ??= { total: 0, correct: 0, accuracy: 0 });
    lang.total++;
    if (right) lang.correct++;
    if (m.group === MUST_NOT_BE_STATUS) {
      guarded++;
      if (!STATUS_KINDS.has(got.kind)) notStatus++;
    }
  }
  for (const lang of Object.values(byLanguage)) lang.accuracy = lang.correct / lang.total;
  const perIntent = [...intents.entries()]
    .filter(([, f]) => f.support > 0 || f.fp > 0)
    .map(([intent, f]) => ({
      intent,
      support: f.support,
      truePositives: f.tp,
      falsePositives: f.fp,
      falseNegatives: f.fn,
      precision: f.tp + f.fp === 0 ? 1 : f.tp / (f.tp + f.fp),
      recall: f.support === 0 ? 1 : f.tp / f.support,
    }))
    .sort((a, b) => b.support - a.support || a.intent.localeCompare(b.intent));
  const total = corpus.messages.length;
  return {
    total,
    correct,
    accuracy: correct / total,
    byLanguage,
    mustNotBeStatus: { total: guarded, notStatus, rate: guarded === 0 ? 1 : notStatus / guarded },
    perIntent,
    misses,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The report as the eval script prints it: a table per intent, then every miss. */
export function formatReport(r: EvalReport): string {
  const lines = [
    `Overall: ${r.correct}/${r.total} read right (${pct(r.accuracy)})`,
    ...Object.entries(r.byLanguage).map(([lang, f]) => `  ${lang}: ${f.correct}/${f.total} (${pct(f.accuracy)})`),
    `Must not be a status query: ${r.mustNotBeStatus.notStatus}/${r.mustNotBeStatus.total} kept out of status (${pct(r.mustNotBeStatus.rate)})`,
    '',
    `${'intent'.padEnd(16)}${'n'.padStart(5)}${'precision'.padStart(11)}${'recall'.padStart(9)}`,
    ...r.perIntent.map((f) => `${f.intent.padEnd(16)}${String(f.support).padStart(5)}${pct(f.precision).padStart(11)}${pct(f.recall).padStart(9)}`),
    '',
    r.misses.length ? `Misses (${r.misses.length}):` : 'Misses: none',
    ...r.misses.map((m) => `  [${m.lang} ${m.group}] expected ${m.expected}, got ${m.got}: ${JSON.stringify(m.text)}`),
  ];
  return lines.join('\n');
}
