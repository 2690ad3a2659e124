/**
 * Hashes a directory tree (the handler's code, the runtime dir) in the background: streamed reads into one
 * reused buffer, a pacer that gives the event loop (and the CPU) back between slices, and hard limits on files,
 * bytes, file size and time. Symlinks are never followed (their target string is hashed instead: no loops, no
 * escape from the root); sockets, devices and unreadable entries are skipped and counted.
 *
 * Order: everything outside `node_modules` first, then `node_modules`, each breadth-first in byte order, so the
 * handler's own files are always within the budget and the same tree covers the same files every time.
 *
 * Re-checks pass the previous result: a file whose (size, mtime, ctime, inode) is unchanged keeps its hash
 * (ctime cannot be set back from user space, so a rewrite always shows), unless `rehashAll` is set.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { type Dirent, promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { Pacer } from './pacer';

export interface FileEntry {
  /** First 16 hex of the sha256 of the content (`link:` + hash of the target for symlinks, `big:<size>` past the size limit). */
  hash: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export interface TreeLimits {
  maxFiles: number;
  maxBytes: number;
  maxFileBytes: number;
  /** Wall-clock budget for the whole walk (ms). */
  maxMs: number;
}

export const DEFAULT_TREE_LIMITS: TreeLimits = {
  maxFiles: 20_000,
  maxBytes: 128 * 1024 * 1024,
  maxFileBytes: 32 * 1024 * 1024,
  maxMs: 60_000,
};

export interface TreeHash {
  root: string;
  files: Map<string, FileEntry>;
  bytes: number;
  /** Bytes actually read in this pass (re-checks reuse unchanged files). */
  bytesRead: number;
  ms: number;
  skipped: { unreadable: number; special: number; tooLarge: number };
  /** True when a limit stopped the walk: files past it are unknown (never reported as removed). */
  truncated: boolean;
  /** sha256 over the sorted `path\0hash` list (first 16 hex). */
  digest: string;
}

export interface HashTreeOptions {
  limits?: Partial<TreeLimits>;
  pacer?: Pacer;
  previous?: TreeHash;
  rehashAll?: boolean;
  /** Absolute deadline (epoch ms), e.g. the SHUTDOWN budget. */
  deadline?: number;
}

const CHUNK = 64 * 1024;

export async function hashTree(root: string, o: HashTreeOptions = {}): Promise<TreeHash> {
  const limits = { ...DEFAULT_TREE_LIMITS, ...o.limits };
  const pacer = o.pacer ?? new Pacer();
  const t0 = performance.now();
  const deadline = Math.min(o.deadline ?? Number.POSITIVE_INFINITY, Date.now() + limits.maxMs);
  const out: TreeHash = {
    root,
    files: new Map(),
    bytes: 0,
    bytesRead: 0,
    ms: 0,
    skipped: { unreadable: 0, special: 0, tooLarge: 0 },
    truncated: false,
    digest: '',
  };
  const buf = Buffer.allocUnsafe(CHUNK);
  const own: string[] = [''];
  const deps: string[] = [];
  const stop = () => {
    if (out.files.size >= limits.maxFiles || out.bytes >= limits.maxBytes || Date.now() > deadline) {
      out.truncated = true;
      return true;
    }
    return false;
  };

  const visit = async (rel: string, queue: string[]): Promise<boolean> => {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      out.skipped.unreadable++;
      return true;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of entries) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        (d.name === 'node_modules' ? deps : queue).push(r);
        continue;
      }
      if (stop()) return false;
      await hashEntry(r, d);
      await pacer.tick();
    }
    return true;
  };

  const hashEntry = async (rel: string, d: Dirent): Promise<void> => {
    const abs = path.join(root, rel);
    try {
      if (d.isSymbolicLink()) {
        const st = await fsp.lstat(abs);
        const target = await fsp.readlink(abs);
        const hash = `link:${createHash('sha256').update(target).digest('hex').slice(0, 16)}`;
        out.files.set(rel, entryOf(hash, st));
        return;
      }
      if (!d.isFile()) {
        out.skipped.special++;
        return;
      }
      // Synchronous calls, one 64 KiB read at a time with the pacer in between: a threadpool round trip per call
      // made small files (the common case) several times slower, and a read from the page cache takes microseconds.
      // O_NONBLOCK: a file swapped for a FIFO after readdir must not block the open.
      const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        const st = fs.fstatSync(fd);
        if (!st.isFile()) {
          out.skipped.special++;
          return;
        }
        const prev = o.previous?.files.get(rel);
        if (prev && !o.rehashAll && sameStat(prev, st)) {
          out.files.set(rel, prev);
          out.bytes += st.size;
          return;
        }
        if (st.size > limits.maxFileBytes) {
          out.skipped.tooLarge++;
          out.files.set(rel, entryOf(`big:${st.size}`, st));
          return;
        }
        const h = createHash('sha256');
        let pos = 0;
        for (;;) {
          const n = fs.readSync(fd, buf, 0, CHUNK, pos);
          if (n === 0) break;
          h.update(buf.subarray(0, n));
          pos += n;
          if (pos > limits.maxFileBytes) break; // grew while we read
          if (n === CHUNK) await pacer.tick();
        }
        out.bytes += pos;
        out.bytesRead += pos;
        out.files.set(rel, entryOf(h.digest('hex').slice(0, 16), st));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      out.skipped.unreadable++;
    }
  };

  let going = true;
  for (const queue of [own, deps]) {
    while (going && queue.length > 0) going = await visit(queue.shift() as string, queue);
    if (!going) break;
  }
  if (!going) out.truncated = true;
  out.digest = treeDigest(out.files);
  out.ms = Math.round((performance.now() - t0) * 10) / 10;
  return out;
}

function entryOf(hash: string, st: Stats): FileEntry {
  return { hash, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

function sameStat(a: FileEntry, st: Stats): boolean {
  return a.size === st.size && a.mtimeMs === st.mtimeMs && a.ctimeMs === st.ctimeMs && a.ino === st.ino;
}

export function treeDigest(files: ReadonlyMap<string, { hash: string }> | Record<string, string>): string {
  const pairs =
    files instanceof Map
      ? [...files.entries()].map(([p, e]) => [p, e.hash] as const)
      : Object.entries(files as Record<string, string>);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash('sha256');
  for (const [p, v] of pairs) h.update(`${p}\0${v}\n`);
  return h.digest('hex').slice(0, 16);
}

export function hashesOf(t: TreeHash): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [p, e] of t.files) o[p] = e.hash;
  return o;
}
