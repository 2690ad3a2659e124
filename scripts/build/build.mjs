// Builds every bundle with esbuild and lays out the layer tree in build/layer.
// Entries whose source does not exist yet are skipped, so the tree builds at every stage of the project.
// Usage: node scripts/build/build.mjs [--only cli|layer|sandbox] [--out DIR (default build/)]
import { build } from 'esbuild';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_PATH, writeLayerManifest } from './layer-tree.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = process.argv.includes('--out')
  ? resolve(process.argv[process.argv.indexOf('--out') + 1])
  : join(root, 'build');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
// The layer tree is built in a private staging dir, then published into build/layer (see publishLayer).
const layerStage = join(out, `.layer-stage-${process.pid}`);
process.on('exit', () => rmSync(layerStage, { recursive: true, force: true }));
/** Where a bundle is written: layer bundles go to the staging tree. */
const outPath = (dst) => (dst.startsWith('layer/') ? join(layerStage, dst.slice('layer/'.length)) : join(out, dst));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // Same sources → same bytes: no timestamps, no absolute paths in output.
  absWorkingDir: root,
};

/** group, entry source, output file, format */
const entries = [
  ['cli', 'scripts/cli/main.ts', 'cli/sentinel.cjs', 'cjs'],
  ['sandbox', 'scripts/sandbox/runtime/bootstrap.ts', 'sandbox/runtime/bootstrap.mjs', 'esm'],
  ['layer', 'extension/src/main.ts', 'layer/sentinel/extension.cjs', 'cjs'],
  ['layer', 'in-process-agent/src/preload.ts', 'layer/sentinel/agent.cjs', 'cjs'],
  // The agent proper, loaded by agent.cjs (preload-only attach) or by the shim (exec wrapper).
  ['layer', 'in-process-agent/src/core-entry.ts', 'layer/sentinel/agent-core.cjs', 'cjs'],
  // Detectors + input extraction, loaded by agent.cjs on first use (keeps the preload small).
  ['layer', 'in-process-agent/src/lazy-entry.ts', 'layer/sentinel/agent-lazy.cjs', 'cjs'],
  ['layer', 'in-process-agent/src/shim.ts', 'layer/sentinel/shim.mjs', 'esm'],
];

// Cold start: the extension needs the AWS SDK, undici and yaml only in its response stages (lazy requires), so
// those requires in extension code become `require('./extension-deps.cjs')[name]`, and extension-deps.cjs (a second
// bundle beside it) loads each package on first use. The startup bundle stays small (~150 KB instead of ~2.4 MB).
const DEFERRED = /^(@aws-sdk\/.*|undici|yaml)$/;
const awsSdkPackages = new Set();
const splitAwsSdk = {
  name: 'split-deferred-deps',
  setup(b) {
    b.onResolve({ filter: DEFERRED }, (a) => {
      awsSdkPackages.add(a.path);
      return { path: a.path, namespace: 'deferred-deps' };
    });
    b.onResolve({ filter: /^\.\/extension-deps\.cjs$/, namespace: 'deferred-deps' }, (a) => ({ path: a.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'deferred-deps' }, (a) => ({ contents: `module.exports = require('./extension-deps.cjs')[${JSON.stringify(a.path)}];`, loader: 'js' }));
  },
};
const buildAwsSdk = (dst) =>
  awsSdkPackages.size === 0
    ? undefined
    : build({
        ...common,
        stdin: { contents: `module.exports = {${[...awsSdkPackages].sort().map((p) => `get ${JSON.stringify(p)}() { return require(${JSON.stringify(p)}); }`).join(',')}};`, resolveDir: root, loader: 'js' },
        outfile: join(dirname(outPath(dst)), 'extension-deps.cjs'),
        format: 'cjs',
        minifyWhitespace: true,
        minifySyntax: true,
      });

const jobs = [];
for (const [group, src, dst, format] of entries) {
  if (only && only !== group) continue;
  if (!existsSync(join(root, src))) continue;
  const esm = format === 'esm';
  jobs.push(
    build({
      ...common,
      entryPoints: [join(root, src)],
      outfile: outPath(dst),
      format,
      // The CLI runs inside the repository: its dependencies (some native, e.g. dynalite's leveldb) load from node_modules.
      packages: group === 'cli' ? 'external' : undefined,
      minifyWhitespace: group === 'layer',
      minifySyntax: group === 'layer',
      // ESM bundles that use CJS-only dependencies need a real `require`.
      banner: esm ? { js: "import { createRequire as __sentinelCreateRequire } from 'node:module'; const require = __sentinelCreateRequire(import.meta.url);" } : undefined,
      plugins: src === 'extension/src/main.ts' ? [splitAwsSdk] : [],
    }).then(() => (src === 'extension/src/main.ts' ? buildAwsSdk(dst) : undefined)),
  );
}
await Promise.all(jobs);

if (!only || only === 'layer') {
  // Copy the layer's scripts (launcher, wrapper) next to the bundles and keep their executable bits.
  const layerSrc = join(root, 'layer');
  const layerOut = join(out, 'layer');
  mkdirSync(layerStage, { recursive: true });
  cpSync(layerSrc, layerStage, { recursive: true, filter: (p) => !p.endsWith('.md') });
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else chmodSync(p, st.mode & 0o111 ? 0o755 : 0o644);
    }
  };
  walk(layerStage);
  publishLayer(layerStage, layerOut);
  // The integrity manifest must describe the files just built, never an earlier build's.
  writeLayerManifest(layerOut);
}
if ((!only || only === 'sandbox') && existsSync(join(root, 'scripts/sandbox/runtime/bootstrap.sh'))) {
  // The emulated runtime's entry script (like /var/runtime/bootstrap), next to bootstrap.mjs.
  const bootstrapOut = join(out, 'sandbox/runtime/bootstrap');
  mkdirSync(dirname(bootstrapOut), { recursive: true });
  cpSync(join(root, 'scripts/sandbox/runtime/bootstrap.sh'), bootstrapOut);
  chmodSync(bootstrapOut, 0o755);
}
console.log(`build: ${jobs.length} bundle(s) written to ${out}`);

/**
 * Moves the freshly built tree into `dest` file by file, then deletes whatever the build no longer produces (a stale
 * bundle would otherwise end up in the zip and the integrity manifest). rename(2) replaces each file atomically, so
 * a test copying build/layer meanwhile sees every file either old or new, never half-written, and never an empty tree.
 */
function publishLayer(stage, dest) {
  const fresh = new Set([MANIFEST_PATH]); // rewritten right after
  const move = (rel) => {
    for (const name of readdirSync(join(stage, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const from = join(stage, r);
      const to = join(dest, r);
      const isDir = statSync(from).isDirectory();
      const existing = lstatSync(to, { throwIfNoEntry: false });
      if (existing && existing.isDirectory() !== isDir) rmSync(to, { recursive: true, force: true });
      if (isDir) {
        mkdirSync(to, { recursive: true });
        move(r);
      } else {
        fresh.add(r);
        renameSync(from, to);
      }
    }
  };
  const prune = (rel) => {
    for (const name of readdirSync(join(dest, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(dest, r);
      if (lstatSync(p).isDirectory()) {
        prune(r);
        if (readdirSync(p).length === 0) rmdirSync(p);
      } else if (!fresh.has(r)) rmSync(p, { force: true });
    }
  };
  mkdirSync(dest, { recursive: true });
  move('');
  prune('');
}
