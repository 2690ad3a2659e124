// `make bench`: runs every suite in scripts/bench/suites/*.ts side by side (baseline vs subject in one run),
// writes build/bench/results.json and build/bench/summary.md, and prints the summary.
// A suite exports `async function run(ctx): Promise<BenchResult[]>` (see scripts/bench/lib.ts).

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(root, 'build', 'bench');
mkdirSync(join(outDir, 'suites'), { recursive: true });
const filter = process.argv[2];
const suites = readdirSync(join(root, 'scripts/bench/suites'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .filter((f) => !filter || f.includes(filter))
  .sort();

const require = createRequire(import.meta.url);
const all = [];
for (const file of suites) {
  const outfile = join(outDir, 'suites', file.replace(/\.ts$/, '.cjs'));
  await build({
    entryPoints: [join(root, 'scripts/bench/suites', file)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    packages: 'external',
  });
  const suite = require(outfile);
  process.stderr.write(`bench: ${file} …\n`);
  const results = await suite.run({ root, outDir });
  for (const r of results) all.push({ suite: file.replace(/\.ts$/, ''), ...r });
}

const fmt = (n) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
const lines = [
  '| suite | measure | baseline median (range) | subject median (range) | ratio / value | target | ok |',
  '|---|---|---|---|---|---|---|',
];
for (const r of all) {
  const b = r.baseline ? `${fmt(r.baseline.median)} ${r.unit} (${fmt(r.baseline.min)}–${fmt(r.baseline.max)})` : '—';
  const s = `${fmt(r.subject.median)} ${r.unit} (${fmt(r.subject.min)}–${fmt(r.subject.max)})`;
  const v = r.ratio !== undefined ? `${r.ratio.toFixed(3)}×` : `${fmt(r.value)} ${r.unit}`;
  lines.push(
    `| ${r.suite} | ${r.name} | ${b} | ${s} | ${v} | ${r.target ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'yes' : 'NO'} |`,
  );
}
const summary = lines.join('\n');
writeFileSync(
  join(outDir, 'results.json'),
  JSON.stringify(
    {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      date: new Date().toISOString(),
      results: all,
    },
    null,
    2,
  ),
);
writeFileSync(join(outDir, 'summary.md'), `${summary}\n`);
console.log(summary);
