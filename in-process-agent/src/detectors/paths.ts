/** Pure POSIX path helpers (Lambda runs on Linux; no filesystem access, no symlink resolution). */
import { posix } from 'node:path';

/** Normalises `p`; relative paths are taken relative to `cwd` (Lambda's working directory is the task root). */
export function normalizePath(p: string, cwd: string): string {
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
