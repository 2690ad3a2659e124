// Packages the layer tree (build/layer) into build/sentinel-layer.zip, reproducibly: the same files give the same
// bytes whatever their timestamps, owner, umask or directory order on disk.
//   - entries sorted by path (byte order), a directory entry for every folder;
//   - fixed DOS timestamp (1980-01-01 00:00, the earliest DOS date), no extra fields (no UT timestamp);
//   - Unix external attributes: 0755 for directories and executables, 0644 for everything else;
//   - deflate level 9 (zlib output is stable for a given Node release).
// Before zipping it writes sentinel/manifest.json: the sha256 of every other file of the layer, which the extension
// checks at cold start (integrity). Usage:
//   node scripts/build/package-layer.mjs [--layer DIR] [--out FILE] [--json]
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { listLayerTree, writeLayerManifest } from './layer-tree.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Local-time constructor on purpose: yazl encodes DOS dates in local time, so this gives 1980-01-01 00:00 in any TZ.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const DIR_MODE = 0o040755;
const EXEC_MODE = 0o100755;
const FILE_MODE = 0o100644;
const SIZE_TARGET = 2 * 1024 * 1024; // our own budget; warn above it
const SIZE_LIMIT = 50 * 1024 * 1024; // Lambda's limit for a directly uploaded zip; fail above it

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}

function zipTree(layerDir) {
  const { dirs, files } = listLayerTree(layerDir);
  const zip = new yazl.ZipFile();
  // Directories and files interleaved in one sorted order, so a parent always precedes its children.
  const entries = [
    ...dirs.map((rel) => ({
      key: `${rel}/`,
      add: () => zip.addEmptyDirectory(rel, { mtime: FIXED_MTIME, mode: DIR_MODE, forceDosTimestamp: true }),
    })),
    ...files.map((f) => ({
      key: f.rel,
      add: () =>
        zip.addBuffer(readFileSync(f.abs), f.rel, {
          mtime: FIXED_MTIME,
          mode: f.executable ? EXEC_MODE : FILE_MODE,
          forceDosTimestamp: true,
          compressionLevel: 9,
        }),
    })),
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const e of entries) e.add();
  zip.end();
  return new Promise((resolveZip, reject) => {
    const chunks = [];
    zip.outputStream.on('data', (c) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolveZip({ bytes: Buffer.concat(chunks), fileCount: files.length }));
  });
}

async function main() {
  const layerDir = resolve(option('--layer', join(root, 'build', 'layer')));
  const outFile = resolve(option('--out', join(root, 'build', 'sentinel-layer.zip')));
  try {
    if (!lstatSync(layerDir).isDirectory()) throw new Error('not a directory');
  } catch {
    console.error(
      `package-layer: no layer tree at ${layerDir}; run \`node scripts/build/build.mjs --only layer\` first`,
    );
    process.exit(1);
  }
  const hashed = writeLayerManifest(layerDir);
  const { bytes, fileCount } = await zipTree(layerDir);
  mkdirSync(dirname(outFile), { recursive: true });
  // Write then rename, so a reader never sees a half-written zip.
  const tmp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes, { mode: 0o644 });
  renameSync(tmp, outFile);

  const result = {
    zip: outFile,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    files: fileCount,
    manifestFiles: hashed,
  };
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else
    console.log(
      `layer: ${outFile} ${bytes.length} bytes (${(bytes.length / 1024).toFixed(1)} KiB), ${fileCount} files, sha256 ${result.sha256}`,
    );
  if (bytes.length > SIZE_LIMIT) {
    console.error(`package-layer: ${bytes.length} bytes is above Lambda's ${SIZE_LIMIT}-byte limit`);
    process.exit(1);
  }
  if (bytes.length > SIZE_TARGET)
    console.error(`package-layer: warning: ${bytes.length} bytes is above the ${SIZE_TARGET}-byte target`);
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
