/**
 * The layer zip is reproducible and carries the right Unix modes. Runs the real packager as a process on a
 * synthetic layer tree (every rule exercised, whatever the other parts have built so far) and on a copy of the
 * real build/layer (size budget).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { availableRuntimes } from '../../scripts/lib/runtimes';
import { readZip } from './lib/zip-reader';

const root = resolve(__dirname, '../..');
const packager = join(root, 'scripts/build/package-layer.mjs');
const SIZE_TARGET = 2 * 1024 * 1024;
// DOS date for 1980-01-01: ((1980-1980) << 9) | (1 << 5) | 1
const DOS_DATE_1980_01_01 = 0x21;

interface PackResult {
  zip: string;
  bytes: number;
  sha256: string;
  files: number;
  manifestFiles: number;
}

function pack(layer: string, out: string, env: NodeJS.ProcessEnv = process.env, node = process.execPath): PackResult {
  const stdout = execFileSync(node, [packager, '--layer', layer, '--out', out, '--json'], {
    encoding: 'utf8',
    env,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as PackResult;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Files of a small layer: path → [content, mode on disk]. Modes are deliberately "wrong" for some. */
const TREE: Record<string, [string, number]> = {
  'extensions/sentinel': ['#!/bin/bash\nexec node "$(dirname "$0")/../sentinel/extension.cjs"\n', 0o644],
  'sentinel-wrapper': ['#!/bin/bash\nexec "$@"\n', 0o600],
  'sentinel/extension.cjs': ['module.exports = 1;\n', 0o644],
  'sentinel/agent.cjs': ['"use strict";\n'.repeat(200), 0o664],
  'sentinel/shim.mjs': ['export const handler = () => 1;\n', 0o644],
  'sentinel/bin/helper': ['#!/bin/sh\n', 0o755],
};

function writeTree(dir: string, order: string[]): void {
  for (const rel of order) {
    const [content, mode] = TREE[rel];
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
    chmodSync(join(dir, rel), mode);
  }
}

describe('package-layer.mjs', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sentinel-layer-zip-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('same files → same bytes, whatever the timestamps, creation order and time zone', () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    writeTree(a, Object.keys(TREE));
    writeTree(b, Object.keys(TREE).reverse());
    utimesSync(join(b, 'sentinel/agent.cjs'), new Date('2031-05-05T05:05:05Z'), new Date('2031-05-05T05:05:05Z'));
    const first = pack(a, join(work, 'a1.zip'));
    const again = pack(a, join(work, 'a2.zip'));
    const other = pack(b, join(work, 'b.zip'), { ...process.env, TZ: 'Pacific/Kiritimati' });
    expect(again.sha256).toBe(first.sha256);
    expect(other.sha256).toBe(first.sha256);
    expect(readFileSync(join(work, 'b.zip')).equals(readFileSync(join(work, 'a1.zip')))).toBe(true);
    // The reported figures describe the file actually written.
    const bytes = readFileSync(first.zip);
    expect(first.bytes).toBe(bytes.length);
    expect(first.sha256).toBe(sha256(bytes));
    expect(first.files).toBe(Object.keys(TREE).length + 1); // + manifest

    // ...and the hash does depend on content (the comparison above could not pass by accident).
    writeFileSync(join(b, 'sentinel/shim.mjs'), 'export const handler = () => 2;\n');
    expect(pack(b, join(work, 'b2.zip')).sha256).not.toBe(first.sha256);
  });

  test('same bytes whichever Node release packs it (zlib output included)', () => {
    const dir = join(work, 'matrix');
    writeTree(dir, Object.keys(TREE));
    const runtimes = availableRuntimes();
    const hashes = runtimes.map(({ major, node }) => [
      major,
      pack(dir, join(work, `node${major}.zip`), process.env, node).sha256,
    ]);
    const reference = hashes[0][1];
    expect(hashes).toEqual(runtimes.map(({ major }) => [major, reference]));
  });

  test('entries: sorted, directories first-class, Unix modes right, fixed time, no extra fields, content intact', () => {
    const dir = join(work, 'modes');
    writeTree(dir, Object.keys(TREE));
    const entries = readZip(readFileSync(pack(dir, join(work, 'modes.zip')).zip));
    const names = entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual([
      'extensions/',
      'extensions/sentinel',
      'sentinel-wrapper',
      'sentinel/',
      'sentinel/agent.cjs',
      'sentinel/bin/',
      'sentinel/bin/helper',
      'sentinel/extension.cjs',
      'sentinel/manifest.json',
      'sentinel/shim.mjs',
    ]);
    const modeOf = Object.fromEntries(entries.map((e) => [e.name, e.mode]));
    expect(modeOf).toEqual({
      'extensions/': 0o040755,
      'extensions/sentinel': 0o100755, // 0644 on disk: the platform exec()s it, so it is forced executable
      'sentinel-wrapper': 0o100755, // 0600 on disk: same
      'sentinel/': 0o040755,
      'sentinel/agent.cjs': 0o100644, // group-write dropped
      'sentinel/bin/': 0o040755,
      'sentinel/bin/helper': 0o100755, // executable on disk stays executable
      'sentinel/extension.cjs': 0o100644,
      'sentinel/manifest.json': 0o100644,
      'sentinel/shim.mjs': 0o100644,
    });
    for (const e of entries) {
      expect(e.madeBy).toBe(3); // Unix, so unzip honours the modes
      expect(e.dosDate).toBe(DOS_DATE_1980_01_01);
      expect(e.dosTime).toBe(0);
      expect(e.centralExtraLength).toBe(0);
      expect(e.localExtraLength).toBe(0);
      if (!e.name.endsWith('/') && e.name !== 'sentinel/manifest.json')
        expect(e.data.toString('utf8')).toBe(TREE[e.name][0]);
    }
  });

  test('manifest: sha256 of every layer file but itself, sorted, identical in the zip and on disk', () => {
    const dir = join(work, 'manifest');
    writeTree(dir, Object.keys(TREE));
    const result = pack(dir, join(work, 'manifest.zip'));
    const onDisk = readFileSync(join(dir, 'sentinel/manifest.json'));
    const manifest = JSON.parse(onDisk.toString('utf8')) as {
      version: number;
      algorithm: string;
      files: Record<string, string>;
    };
    expect(manifest.version).toBe(1);
    expect(manifest.algorithm).toBe('sha256');
    const expected = Object.fromEntries(
      Object.keys(TREE)
        .sort()
        .map((rel) => [rel, sha256(Buffer.from(TREE[rel][0]))]),
    );
    expect(Object.keys(manifest.files)).toEqual(Object.keys(expected));
    expect(manifest.files).toEqual(expected);
    expect(result.manifestFiles).toBe(Object.keys(TREE).length);
    const inZip = readZip(readFileSync(result.zip)).find((e) => e.name === 'sentinel/manifest.json');
    expect(inZip?.data.equals(onDisk)).toBe(true);
  });

  test('refuses symlinks instead of packaging what they point to', () => {
    const dir = join(work, 'symlink');
    writeTree(dir, Object.keys(TREE));
    symlinkSync('/etc/passwd', join(dir, 'sentinel/passwd'));
    const run = spawnSync(process.execPath, [packager, '--layer', dir, '--out', join(work, 'symlink.zip')], {
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('sentinel/passwd');
    expect(existsSync(join(work, 'symlink.zip'))).toBe(false);
  });

  test(`the real layer packs reproducibly within the ${SIZE_TARGET}-byte budget`, () => {
    const built = join(root, 'build/layer');
    if (!existsSync(built))
      execFileSync(process.execPath, [join(root, 'scripts/build/build.mjs'), '--only', 'layer'], { stdio: 'pipe' });
    // Pack a copy: build/ may be in use by end-to-end tests running at the same time.
    const copy = join(work, 'real');
    cpSync(built, copy, { recursive: true });
    const first = pack(copy, join(work, 'real1.zip'));
    const second = pack(copy, join(work, 'real2.zip'));
    expect(second.sha256).toBe(first.sha256);
    expect(first.bytes).toBeGreaterThan(0);
    expect(first.bytes).toBeLessThanOrEqual(SIZE_TARGET);
    const entries = readZip(readFileSync(first.zip));
    for (const e of entries) {
      if (e.name.startsWith('extensions/') && !e.name.endsWith('/'))
        expect([e.name, e.mode]).toEqual([e.name, 0o100755]);
      if (e.name === 'sentinel-wrapper') expect(e.mode).toBe(0o100755);
    }
    // The manifest inside the zip describes exactly the other files inside the zip.
    const manifestEntry = entries.find((e) => e.name === 'sentinel/manifest.json');
    expect(manifestEntry).toBeDefined();
    const listed = (JSON.parse(manifestEntry!.data.toString('utf8')) as { files: Record<string, string> }).files;
    const zipped = Object.fromEntries(
      entries
        .filter((e) => !e.name.endsWith('/') && e.name !== 'sentinel/manifest.json')
        .map((e) => [e.name, sha256(e.data)]),
    );
    expect(listed).toEqual(zipped);
  });
});
