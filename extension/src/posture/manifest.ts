/**
 * Verifies Sentinel's layer against the integrity manifest the build writes (docs/contracts.md "Layer package,
 * integrity manifest"): `{"version":1,"algorithm":"sha256","files":{"<path below the layer root>":"<64 hex>"}}`,
 * the layer root being the manifest's grandparent directory (`/opt`). Every listed file is re-hashed; files of
 * other layers share `/opt` and are not ours, so only unlisted files inside `sentinel/` and our launcher are
 * counted as `unlisted` (recorded, not a violation). A manifest that does not parse or has the wrong shape is a finding of its own (it is
 * never trusted partially), and never a crash.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Pacer } from './pacer';

export const MANIFEST_REL = 'sentinel/manifest.json';
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_LISTED_FILES = 10_000;

export interface ManifestChange {
  path: string;
  /** First 12 hex of the manifest's hash (`absent` when the file is not listed). */
  old: string;
  /** First 12 hex of the file's hash now (`missing` when it is gone). */
  new: string;
}

export interface ManifestCheck {
  state: 'ok' | 'mismatch' | 'malformed' | 'absent';
  /** Why a manifest is malformed (no file content, no value). */
  reason?: string;
  files: number;
  modified: ManifestChange[];
  missing: number;
  unlisted: number;
  ms: number;
}

type Parsed = { ok: true; files: Record<string, string> } | { ok: false; reason: string };

export function parseManifest(text: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, reason: 'not an object' };
  const m = v as Record<string, unknown>;
  if (m.version !== 1) return { ok: false, reason: 'version is not 1' };
  if (m.algorithm !== 'sha256') return { ok: false, reason: 'algorithm is not sha256' };
  if (typeof m.files !== 'object' || m.files === null || Array.isArray(m.files))
    return { ok: false, reason: 'files is not an object' };
  const entries = Object.entries(m.files as Record<string, unknown>);
  if (entries.length === 0) return { ok: false, reason: 'files is empty' };
  if (entries.length > MAX_LISTED_FILES) return { ok: false, reason: `more than ${MAX_LISTED_FILES} files` };
  const files: Record<string, string> = {};
  for (const [p, h] of entries) {
    if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) return { ok: false, reason: 'a hash is not 64 hex' };
    const norm = path.posix.normalize(p);
    if (p === '' || norm !== p || p.startsWith('/') || p.startsWith('../') || p === MANIFEST_REL)
      return { ok: false, reason: 'a path is not a plain relative path' };
    files[p] = h;
  }
  return { ok: true, files };
}

async function sha256File(abs: string, pacer?: Pacer): Promise<string> {
  const h = createHash('sha256');
  const fh = await fsp.open(abs, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
      await pacer?.tick();
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

export async function verifyManifest(layerRoot: string, extensionName: string, pacer?: Pacer): Promise<ManifestCheck> {
  const t0 = performance.now();
  const done = (c: Omit<ManifestCheck, 'ms'>): ManifestCheck => ({ ...c, ms: Math.round(performance.now() - t0) });
  let text: string;
  try {
    const st = await fsp.lstat(path.join(layerRoot, MANIFEST_REL));
    if (!st.isFile())
      return done({
        state: 'malformed',
        reason: 'not a regular file',
        files: 0,
        modified: [],
        missing: 0,
        unlisted: 0,
      });
    if (st.size > MAX_MANIFEST_BYTES)
      return done({ state: 'malformed', reason: 'larger than 1 MiB', files: 0, modified: [], missing: 0, unlisted: 0 });
    text = await fsp.readFile(path.join(layerRoot, MANIFEST_REL), 'utf8');
  } catch (e) {
    const absent = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return done({
      state: absent ? 'absent' : 'malformed',
      reason: absent ? 'no manifest' : 'unreadable',
      files: 0,
      modified: [],
      missing: 0,
      unlisted: 0,
    });
  }
  const parsed = parseManifest(text);
  if (!parsed.ok)
    return done({ state: 'malformed', reason: parsed.reason, files: 0, modified: [], missing: 0, unlisted: 0 });
  const modified: ManifestChange[] = [];
  let missing = 0;
  for (const [rel, want] of Object.entries(parsed.files)) {
    let got: string;
    try {
      got = await sha256File(path.join(layerRoot, rel), pacer);
    } catch {
      missing++;
      modified.push({ path: rel, old: want.slice(0, 12), new: 'missing' });
      continue;
    }
    if (got !== want) modified.push({ path: rel, old: want.slice(0, 12), new: got.slice(0, 12) });
  }
  // Our own files that the manifest does not list (something added to Sentinel's directory).
  let unlisted = 0;
  const ours = [`extensions/${extensionName}`, 'sentinel-wrapper'];
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(path.join(layerRoot, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of entries) {
      const r = `${rel}/${d.name}`;
      if (d.isDirectory()) await walk(r, depth + 1);
      else ours.push(r);
    }
  };
  await walk('sentinel', 0);
  for (const rel of ours) {
    if (rel === MANIFEST_REL || parsed.files[rel] !== undefined) continue;
    try {
      await fsp.lstat(path.join(layerRoot, rel));
      // Recorded, not a violation: nothing loads an unlisted file by itself, and layers merge into /opt.
      unlisted++;
    } catch {
      // not present: nothing to say
    }
  }
  return done({
    state: modified.length === 0 ? 'ok' : 'mismatch',
    files: Object.keys(parsed.files).length,
    modified,
    missing,
    unlisted,
  });
}
