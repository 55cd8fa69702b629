// The peer of bench/mrz_bench.cpp: the npm package `mrz` parsing the same corpus
// (documents separated by blank lines), the same way: lines already split, parse
// and validate each document, ROUNDS times; median and best rates.
//   node bench.mjs FILE [ROUNDS]
import { readFileSync } from 'node:fs';
import { parse } from 'mrz';

const [file, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 7);
const docs = readFileSync(file, 'latin1')
  .split('\n\n')
  .map((d) => d.split('\n').filter((l) => l.length > 0))
  .filter((d) => d.length > 0);

function run(autocorrect) {
  const rates = [];
  let valid = 0;
  let errors = 0;
  let corrected = 0;
  for (let r = 0; r < rounds; r++) {
    valid = errors = corrected = 0;
    const t0 = process.hrtime.bigint();
    for (const d of docs) {
      try {
        const res = parse(d, { autocorrect });
        if (res.valid) valid++;
        if (autocorrect && res.details.some((x) => x.autocorrect && x.autocorrect.length > 0)) {
          corrected++;
        }
      } catch {
        errors++;
      }
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(docs.length / s);
  }
  rates.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      parser: 'npm mrz 5.0.2',
      correct: autocorrect,
      documents: docs.length,
      rounds,
      median_docs_per_s: Math.round(rates[Math.floor(rates.length / 2)]),
      best_docs_per_s: Math.round(rates[rates.length - 1]),
      valid,
      corrected,
      errors,
    }),
  );
}

run(true);
run(false);
