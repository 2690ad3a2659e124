// The layer tree as the packager and the integrity manifest see it, shared by build.mjs (which refreshes the
// manifest whenever it lays out build/layer, so the sandbox never runs against stale hashes) and package-layer.mjs.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Relative to the layer root (/opt): the extension reads it at cold start to verify every other file. */
export const MANIFEST_PATH = 'sentinel/manifest.json';

/**
 * The platform exec()s every file in extensions/ and the exec wrapper directly, so they must be executable even if
 * a checkout or copy lost the bit; any other file keeps the executable bit it has on disk.
 */
function mustBeExecutable(rel) {
  return rel.startsWith('extensions/') || rel === 'sentinel-wrapper';
}

const byPath = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every directory and file below `dir`, as POSIX paths relative to it, sorted by byte order.
 * Symlinks, sockets and devices are refused: a layer is plain files.
 */
export function listLayerTree(dir) {
  const files = [];
  const dirs = [];
  const walk = (abs, rel) => {
    for (const name of readdirSync(abs)) {
      const childAbs = join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const st = lstatSync(childAbs);
      if (st.isDirectory()) {
        dirs.push(childRel);
        walk(childAbs, childRel);
      } else if (st.isFile()) {
        files.push({ rel: childRel, abs: childAbs, executable: (st.mode & 0o111) !== 0 || mustBeExecutable(childRel) });
      } else {
        throw new Error(`layer: ${childRel} is not a regular file or directory (symlinks are not packaged)`);
      }
    }
  };
  walk(dir, '');
  dirs.sort(byPath);
  files.sort((a, b) => byPath(a.rel, b.rel));
  return { dirs, files };
}

/**
 * Writes sentinel/manifest.json: {version, algorithm, files: {path: sha256}} for every file but the manifest itself,
 * keys sorted, no timestamps (same files → same bytes). Returns the number of files hashed.
 */
export function writeLayerManifest(layerDir) {
  const hashes = {};
  for (const f of listLayerTree(layerDir).files)
    if (f.rel !== MANIFEST_PATH) hashes[f.rel] = createHash('sha256').update(readFileSync(f.abs)).digest('hex');
  const manifest = { version: 1, algorithm: 'sha256', files: hashes };
  mkdirSync(join(layerDir, dirname(MANIFEST_PATH)), { recursive: true });
  writeFileSync(join(layerDir, MANIFEST_PATH), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  return Object.keys(hashes).length;
}
