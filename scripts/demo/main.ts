/**
 * `make demo` entry (bundled by run.mjs): runs the demo, prints the narrated timeline, writes the HTML report.
 * Usage: node scripts/demo/run.mjs [--out DIR]   (default DIR: build/demo). Exit 0 only when every step passed.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../sandbox/emulator';
import { runDemo } from './demo';
import { renderReport } from './report-html';

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { out: { type: 'string' } }, strict: true });
  const outDir = resolve(values.out ?? join(repoRoot(), 'build', 'demo'));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const result = await runDemo();
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'report.html');
  // Write then rename: a reader (browser, test) never sees half a page.
  writeFileSync(`${file}.tmp`, renderReport(result));
  renameSync(`${file}.tmp`, file);
  // Everything the sandbox saw (extension and function logs, platform events), for when a step fails.
  writeFileSync(join(outDir, 'environments.json'), `${JSON.stringify(result.environments, null, 1)}\n`);
  console.log('');
  console.log(
    result.ok
      ? `demo passed: ${result.steps.length} steps in ${(result.durationMs / 1000).toFixed(1)} s`
      : `demo FAILED after ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  console.log(`report: ${file}`);
  if (!result.ok) console.log(`sandbox logs: ${join(outDir, 'environments.json')}`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exitCode = 1;
  },
);
