import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { recognize, type RecognizeOptions } from '../../src/domain/phrases';
import { evaluate, formatReport, MUST_NOT_BE_STATUS, parseCorpus } from '../../src/domain/phrases-eval';
import { editDistance, Vocabulary } from '../../src/domain/text-match';

const corpus = parseCorpus(JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/phrases-corpus.json'), 'utf8')));
const opts: RecognizeOptions = { prefix: corpus.prefix, year: corpus.year };

describe('the phrases corpus (issue 19)', () => {
  const report = evaluate(corpus);

  it('holds at least 400 messages in Spanish and English, covering every kind of message the issue lists', () => {
    expect(corpus.messages.length).toBeGreaterThanOrEqual(400);
    const groups = new Set(corpus.messages.map((m) => m.group));
    for (const g of ['polite', 'verbs', 'typos', 'short', 'english', 'mine', 'legacy', 'new', 'problem', 'help', 'greeting', MUST_NOT_BE_STATUS]) {
      expect(groups).toContain(g);
    }
    const intents = new Set(corpus.messages.map((m) => m.intent));
    for (const i of ['status', 'status_missing', 'my_tickets', 'new_request', 'problem', 'help', 'greeting', 'unknown']) expect(intents).toContain(i);
    for (const lang of ['es', 'en']) expect(corpus.messages.filter((m) => m.lang === lang).length).toBeGreaterThanOrEqual(100);
    expect(corpus.messages.filter((m) => m.group === MUST_NOT_BE_STATUS).length).toBeGreaterThanOrEqual(50);
    expect(new Set(corpus.messages.map((m) => m.text)).size).toBe(corpus.messages.length);
  });

  it('reads at least 95 % of the corpus right, in each language', () => {
    if (report.accuracy < 0.95) throw new Error(formatReport(report));
    for (const lang of Object.values(report.byLanguage)) expect(lang.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('never reads a phone, an asset tag, a document number, an Orfeo radicado or "el caso es que…" as a status query', () => {
    const leaked = report.misses.filter((m) => m.group === MUST_NOT_BE_STATUS && /^status/.test(m.got));
    expect(leaked).toEqual([]);
    expect(report.mustNotBeStatus.rate).toBe(1);
  });

  it('keeps precision and recall of every intent people use at 90 % or more', () => {
    const weak = report.perIntent.filter((f) => f.support >= 10 && (f.precision < 0.9 || f.recall < 0.9));
    expect(weak).toEqual([]);
  });

  it('recognises a message in well under a millisecond (median), with nothing to train at start-up', () => {
    for (const m of corpus.messages) recognize(m.text, opts); // warm up
    const times: number[] = [];
    for (let pass = 0; pass < 3; pass++) {
      for (const m of corpus.messages) {
        const t0 = performance.now();
        recognize(m.text, opts);
        times.push(performance.now() - t0);
      }
    }
    times.sort((a, b) => a - b);
    expect(times[times.length >> 1]).toBeLessThan(1);
  });
});

describe('the cost of a long message', () => {
  it('stays small for 2,000 characters of words never seen before (typos are fixed in the first words only)', () => {
    let seed = 7;
    const letter = () => 'abcdefghijklmnopqrstuvwxyz'[(seed = (seed * 16807) % 2147483647) % 26];
    let text = '';
    while (text.length < 1990) text += Array.from({ length: 7 }, letter).join('') + ' ';
    const t0 = performance.now();
    expect(recognize(text.slice(0, 1999), opts).kind).toBe('unknown');
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe('what the words say', () => {
  const kind = (text: string, o: Partial<RecognizeOptions> = {}) => recognize(text, { ...opts, ...o });

  it('finds the radicado wherever it is written, in the configured format only', () => {
    expect(kind('Buenas tardes, me colabora con el estado del caso MDA-2026-000123')).toEqual({ kind: 'status', radicado: 'MDA-2026-000123' });
    expect(kind('mi caso es el 98, en qué va?')).toEqual({ kind: 'status', radicado: 'MDA-2026-000098' });
    expect(kind('estado solicitud mda 2026 85')).toEqual({ kind: 'status', radicado: 'MDA-2026-000085' });
    expect(kind('¿en qué va el caso 7?', { prefix: 'HD', year: 2027 })).toEqual({ kind: 'status', radicado: 'HD-2027-000007' });
    expect(kind('¿en qué va el caso MDA-2026-000007?', { prefix: 'HD', year: 2027 }).kind).toBe('status_missing');
  });

  it('fixes typos in keywords, not in everyday words', () => {
    expect(kind('esatdo del caso 44')).toEqual({ kind: 'status', radicado: 'MDA-2026-000044' });
    expect(kind('mis csos').kind).toBe('my_tickets');
    expect(kind('nueva solictud').kind).toBe('new_request');
    // "casa" stays "casa": working from home is not a case.
    expect(kind('necesito trabajar desde la casa').kind).toBe('unknown');
  });

  it('never takes a question about a radicado for a remark to its engineer', () => {
    expect(kind('¿Ya hay ingeniero para el radicado MDA-2026-000230?')).toEqual({ kind: 'status', radicado: 'MDA-2026-000230' });
    const questions = corpus.messages.filter((m) => m.intent === 'status' && /[?¿]/.test(m.text));
    expect(questions.filter((m) => 'remark' in recognize(m.text, opts)).map((m) => m.text)).toEqual([]);
  });

  it('carries the text of a problem, cleaned of Teams markup, for the form', () => {
    expect(kind('<p>no me funciona la <b>impresora</b></p>')).toEqual({ kind: 'problem', text: 'no me funciona la impresora' });
  });

  it('reads only the exact commands when asked to (a queue thread)', () => {
    expect(kind('¿en qué va mi caso?', { commandsOnly: true }).kind).toBe('unknown');
    expect(kind('no me funciona la impresora', { commandsOnly: true }).kind).toBe('unknown');
    expect(kind('tomar MDA-2026-000123', { commandsOnly: true })).toEqual({ kind: 'take', radicado: 'MDA-2026-000123' });
    expect(kind('estado del radicado 5', { commandsOnly: true })).toEqual({ kind: 'status', radicado: 'MDA-2026-000005' });
  });

  it('keeps numbers of other systems out of status, even with status words around them', () => {
    for (const text of ['estado del radicado 20261100012345', 'estado del radicado orfeo 5', 'status of invoice 4521', '¿en qué va el contrato 12?']) {
      expect({ text, kind: kind(text).kind }).toEqual({ text, kind: 'unknown' });
    }
  });
});

describe('editDistance and Vocabulary', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('esatdo', 'estado', 2)).toBe(1);
    expect(editDistance('radiacdo', 'radicado', 2)).toBe(1);
    expect(editDistance('casa', 'caso', 1)).toBe(1);
    expect(editDistance('kitten', 'sitting', 3)).toBe(3);
    expect(editDistance('abc', 'abcdef', 1)).toBe(2);
    expect(editDistance('x'.repeat(100), 'x'.repeat(100) + 'y', 5)).toBe(6);
  });

  it('returns the closest word, a truncated one or the one that sounds the same on a tie, and nothing when ambiguous', () => {
    const v = new Vocabulary(['estado', 'caso', 'cayo', 'solicitud', 'solicito', 'casa', 'cosa']);
    expect(v.closest('estdo')).toBe('estado');
    expect(v.closest('solicitu')).toBe('solicitud');
    expect(v.closest('cazo')).toBe('caso');
    expect(v.closest('cisa')).toBeUndefined();
    expect(v.closest('abc')).toBeUndefined();
  });
});
