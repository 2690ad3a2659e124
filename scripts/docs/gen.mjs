// Regenerates the README sections derived from code (today: the configuration table from protocol/config.ts).
// Usage: node scripts/docs/gen.mjs [--check] [--readme FILE]
//   --check: exit 1 if the README is out of date, change nothing; --readme: another file than ./README.md
// The generator is TypeScript; esbuild (already a dev dependency) bundles it in memory so plain node can run it.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readmeArg = process.argv.indexOf('--readme');
const readmePath = readmeArg === -1 ? join(root, 'README.md') : resolve(process.argv[readmeArg + 1]);

const bundle = await build({
  entryPoints: [join(root, 'scripts/docs/config-table.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
});
const { withConfigSection } = await import(
  `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`
);

const current = readFileSync(readmePath, 'utf8');
const next = withConfigSection(current);
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error(
      `${readmePath}: configuration table is out of date: run \`npm run docs\` (node scripts/docs/gen.mjs)`,
    );
    process.exit(1);
  }
  console.log(`${readmePath}: up to date`);
} else if (next !== current) {
  writeFileSync(readmePath, next);
  console.log(`${readmePath}: configuration table regenerated`);
} else {
  console.log(`${readmePath}: already up to date`);
}
