// `make eval`: bundles scripts/eval/main.ts (and test/tamper/index.ts when it exists) with esbuild into build/eval/
// and runs it. Results: build/eval/results.json, results.md, comparison.md. Options: see the header of main.ts.
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'build', 'eval');
mkdirSync(out, { recursive: true });
// Sources keep their own __dirname (test/tamper finds its fixtures beside index.ts) instead of the bundle's.
const keepDirname = {
  name: 'keep-dirname',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      return { contents: src.replace(/\b__dirname\b/g, JSON.stringify(dirname(args.path))), loader: 'ts' };
    });
  },
};
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', packages: 'external', plugins: [keepDirname] };
await build({ ...common, entryPoints: [join(root, 'scripts/eval/main.ts')], outfile: join(out, 'main.cjs') });

const env = { ...process.env };
const tamperEntry = join(root, 'test', 'tamper', 'index.ts');
if (existsSync(tamperEntry)) {
  try {
    await build({ ...common, entryPoints: [tamperEntry], outfile: join(out, 'tamper.cjs') });
    env.EVAL_TAMPER_BUNDLE = join(out, 'tamper.cjs');
  } catch (e) {
    env.EVAL_TAMPER_NOTE = `not available: bundling test/tamper/index.ts failed: ${e.message.split('\n')[0]}`;
  }
}
const r = spawnSync(process.execPath, [join(out, 'main.cjs')], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
