/**
 * `npm run eval:phrases`: how well the bot reads what employees write. Runs the recogniser over the
 * corpus (test/fixtures/phrases-corpus.json, or the file given as the first argument), prints
 * precision and recall per intent, the share of must-not-be-status messages kept out of status, every
 * miss, and the recogniser's latency per message (median and 99th percentile over repeated passes).
 * Exit code 1 when the figures are under the bar the unit tests hold (95 % overall, 100 % guarded).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from '../paths';

// Loaded here, not imported, to time how long the recogniser takes to be ready.
const loadStart = performance.now();
const { recognize } = require('../domain/phrases') as typeof import('../domain/phrases');
const { evaluate, formatReport, parseCorpus } = require('../domain/phrases-eval') as typeof import('../domain/phrases-eval');
const loadMs = performance.now() - loadStart;

const PASSES = 20;

function main(): number {
  const file = path.resolve(process.argv[2] ?? path.join(ROOT, 'test/fixtures/phrases-corpus.json'));
  let corpus;
  try {
    corpus = parseCorpus(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    console.error(`Cannot read the corpus ${file}: ${(err as Error).message}`);
    return 2;
  }
  const times: number[] = [];
  const report = evaluate(corpus, (text, opts) => {
    const t0 = performance.now();
    const intent = recognize(text, opts);
    times.push(performance.now() - t0);
    return intent;
  });
  times.sort((a, b) => a - b);
  const firstPass = `median ${times[times.length >> 1].toFixed(3)} ms, p99 ${times[Math.floor(times.length * 0.99)].toFixed(3)} ms, max ${times[times.length - 1].toFixed(3)} ms`;
  console.log(`Corpus: ${path.relative(process.cwd(), file) || file} (${corpus.messages.length} messages)\n`);
  console.log(formatReport(report));

  const opts = { prefix: corpus.prefix, year: corpus.year };
  const time = (passes: number) => {
    const times: number[] = [];
    for (let pass = 0; pass < passes; pass++) {
      for (const m of corpus.messages) {
        const t0 = performance.now();
        recognize(m.text, opts);
        times.push(performance.now() - t0);
      }
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    return `median ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms, max ${times[times.length - 1].toFixed(3)} ms (${times.length} runs)`;
  };
  console.log(`\nLatency per message, first pass (the evaluation: code still being compiled, typo cache empty): ${firstPass}`);
  console.log(`Latency per message, ${PASSES} more passes: ${time(PASSES)}`);
  console.log(`Start-up: the recogniser's word lists load in ${loadMs.toFixed(1)} ms; nothing is trained.`);
  return report.accuracy >= 0.95 && report.mustNotBeStatus.rate === 1 ? 0 : 1;
}

process.exitCode = main();
