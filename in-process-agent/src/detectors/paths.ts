/** Pure POSIX path helpers (Lambda runs on Linux; no filesystem access, no symlink resolution). */
import { posix } from 'node:path';

/** One scan: absolute, no `//`, no `/.` (so no `.`/`..` segment), no trailing `/` (a path of 2+ characters). */
function isNormalAbsolute(p: string): boolean {
  const n = p.length;
  if (n < 2 || p.charCodeAt(0) !== 47 || p.charCodeAt(n - 1) === 47) return false;
  for (let i = 0; i < n - 1; i++) {
    if (p.charCodeAt(i) === 47) {
      const c = p.charCodeAt(i + 1);
      if (c === 47 || c === 46) return false;
    }
  }
  return true;
}

/** Normalises `p`; relative paths are taken relative to `cwd` (Lambda's working directory is the task root). */
export function normalizePath(p: string, cwd: string): string {
  // Fast path (every fs call): an absolute path without `//`, `/.` or a trailing `/` is already normal.
  if (isNormalAbsolute(p)) return p;
  const abs = p.startsWith('/') ? p : `${cwd}/${p}`;
  const n = posix.normalize(abs);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** True when `p` equals `root` or lies below it (both normalised, absolute). */
export function isUnder(p: string, root: string): boolean {
  if (!root) return false;
  const r = root.length > 1 && root.endsWith('/') ? root.slice(0, -1) : root;
  if (r === '/') return p.startsWith('/');
  return p === r || (p.startsWith(r) && p.charCodeAt(r.length) === 47);
}

export function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? p : p.slice(i + 1);
}
