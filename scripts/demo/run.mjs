// `make demo`: bundles the demo runner (scripts/demo/main.ts) with esbuild, then runs it (arguments pass through,
// e.g. `--out DIR`). node_modules stay external: dynalite, fauxqs and the AWS SDK load from the repository.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outfile = join(root, 'build', 'demo-runner', 'demo.cjs');
const { outputFiles } = await build({
  entryPoints: [join(root, 'scripts', 'demo', 'main.ts')],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
  absWorkingDir: root,
});
// Write then rename, so a demo starting at the same moment never loads half a bundle.
mkdirSync(dirname(outfile), { recursive: true });
const tmp = `${outfile}.${process.pid}.tmp`;
writeFileSync(tmp, outputFiles[0].contents);
renameSync(tmp, outfile);
await import(pathToFileURL(outfile).href);
