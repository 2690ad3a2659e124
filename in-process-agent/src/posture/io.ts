/**
 * The posture part's file work, run after an invocation has answered: package.json versions and stat + hash of
 * ledger files as small synchronous reads in batches (a read from the page cache takes microseconds; a thread-pool
 * round trip per call cost ~10× the CPU), yielding to the event loop between batches so a new invocation waits
 * for one batch at most; the bounded tmp walk asynchronously. Calls are made with the agent's guard raised so its
 * own fs hooks let them through; every failure is counted, never thrown.
 */
import type * as cryptoT from 'node:crypto';
import type * as fsT from 'node:fs';
import * as path from 'node:path';
import { HASH_MAX_BYTES, type LedgerEntry } from './ledger';

export interface Guarded {
  guard: number;
}

/** Runs `fn` (which starts an async fs call) with the guard raised for the synchronous part of the call. */
function guarded(g: Guarded, fn: () => void): void {
  g.guard++;
  try {
    fn();
  } finally {
    g.guard--;
  }
}

let sha256: ((b: Buffer) => string) | undefined;
function hash(g: Guarded, b: Buffer): string {
  if (!sha256) {
    g.guard++;
    try {
      const c = require('node:crypto') as typeof cryptoT;
      sha256 = (x) => c.createHash('sha256').update(x).digest('hex');
    } finally {
      g.guard--;
    }
  }
  return sha256(b);
}

/** Runs synchronous `items` `size` at a time, yielding to the event loop (setImmediate) between batches. */
export function batched(items: Array<() => void>, size: number, done: () => void): void {
  let i = 0;
  const step = (): void => {
    const end = Math.min(items.length, i + size);
    for (; i < end; i++) {
      try {
        items[i]?.();
      } catch {
        /* each item handles its own failures; a throw must not stop the others */
      }
    }
    if (i < items.length) setImmediate(step);
    else done();
  };
  step();
}

/** Runs `tasks` (each calls back once) with at most `limit` in flight, then `done`. */
export function pool(tasks: Array<(next: () => void) => void>, limit: number, done: () => void): void {
  let i = 0;
  let active = 0;
  let finished = 0;
  if (tasks.length === 0) {
    done();
    return;
  }
  const start = (): void => {
    while (active < limit && i < tasks.length) {
      const t = tasks[i++]!;
      active++;
      let called = false;
      const next = (): void => {
        if (called) return;
        called = true;
        active--;
        finished++;
        if (finished === tasks.length) done();
        else start();
      };
      try {
        t(next);
      } catch {
        next();
      }
    }
  };
  start();
}

const VERSION = /^[0-9A-Za-z.+_-]{1,64}$/;

/** Largest package.json read for its version. */
const PACKAGE_JSON_MAX = 1024 * 1024;

/** Runs a synchronous fs call with the guard raised; undefined when it throws. */
function sync<T>(g: Guarded, fn: () => T): T | undefined {
  g.guard++;
  try {
    return fn();
  } catch {
    return undefined;
  } finally {
    g.guard--;
  }
}

/** The `version` of `<dir>/package.json`, or null (unreadable, too large, not JSON, no plausible version). */
export function readVersion(g: Guarded, fs: typeof fsT, dir: string): string | null {
  const file = path.join(dir, 'package.json');
  const st = sync(g, () => fs.statSync(file));
  if (!st?.isFile() || st.size > PACKAGE_JSON_MAX) return null;
  const text = sync(g, () => fs.readFileSync(file, 'utf8'));
  if (text === undefined) return null;
  try {
    const v = (JSON.parse(text) as { version?: unknown }).version;
    return typeof v === 'string' && VERSION.test(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Size, executable bit, existence and (for small regular files) sha256 of one ledger file. Symlinks are not
 * followed; the file is read through a descriptor checked with fstat, so a swap after lstat (a FIFO, a big file)
 * cannot block or overrun.
 */
export function settleEntry(g: Guarded, fs: typeof fsT, e: LedgerEntry): void {
  let code: string | undefined;
  const st = sync(g, () => {
    try {
      return fs.lstatSync(e.path);
    } catch (err) {
      code = (err as NodeJS.ErrnoException).code;
      throw err;
    }
  });
  if (!st) {
    e.exists = false;
    e.skipped = code === 'ENOENT' || code === 'ENOTDIR' ? undefined : 'unreadable';
    return;
  }
  e.exists = true;
  e.size = st.size;
  e.executable = (st.mode & 0o111) !== 0;
  e.sha256 = undefined;
  if (!st.isFile()) {
    e.skipped = 'not_a_file';
    return;
  }
  if (st.size > HASH_MAX_BYTES) {
    e.skipped = 'too_large';
    return;
  }
  const buf = sync(g, () => {
    const fd = fs.openSync(e.path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    try {
      const fst = fs.fstatSync(fd);
      if (!fst.isFile() || fst.size > HASH_MAX_BYTES) return undefined;
      const b = Buffer.allocUnsafe(fst.size);
      let n = 0;
      while (n < b.length) {
        const r = fs.readSync(fd, b, n, b.length - n, n);
        if (r === 0) break;
        n += r;
      }
      return b.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  });
  if (!buf) {
    e.skipped = 'unreadable';
    return;
  }
  try {
    e.sha256 = hash(g, buf);
    e.skipped = undefined;
  } catch {
    e.skipped = 'unreadable';
  }
}

export interface TmpState {
  dir: string;
  writable: boolean;
  files: number;
  bytes: number;
  /** Entries that could not be read (permissions, races). */
  skipped: number;
  /** The walk stopped at TMP_SCAN_MAX entries or TMP_SCAN_DEPTH levels. */
  truncated: boolean;
}

export const TMP_SCAN_MAX = 2000;
export const TMP_SCAN_DEPTH = 6;

/**
 * A bounded walk of the tmp dir: regular files and their bytes, without following symlinks (loops cannot trap
 * it), at most TMP_SCAN_MAX entries and TMP_SCAN_DEPTH levels. `skip` leaves out a directory (the channel's).
 */
export function scanTmp(g: Guarded, fs: typeof fsT, dir: string, skip: string, cb: (s: TmpState) => void): void {
  const s: TmpState = { dir, writable: false, files: 0, bytes: 0, skipped: 0, truncated: false };
  let seen = 0;
  let pending = 0;
  const finish = (): void => {
    if (--pending === 0) cb(s);
  };
  const walk = (d: string, depth: number): void => {
    pending++;
    guarded(g, () =>
      fs.readdir(d, { withFileTypes: true }, (err, ents) => {
        if (err) {
          s.skipped++;
          return finish();
        }
        for (const ent of ents) {
          if (++seen > TMP_SCAN_MAX) {
            s.truncated = true;
            break;
          }
          const p = path.join(d, ent.name);
          if (ent.isDirectory()) {
            if (p === skip) continue;
            if (depth + 1 >= TMP_SCAN_DEPTH) s.truncated = true;
            else walk(p, depth + 1);
          } else if (ent.isFile()) {
            s.files++;
            pending++;
            guarded(g, () =>
              fs.lstat(p, (serr, st) => {
                if (serr) s.skipped++;
                else s.bytes += st.size;
                finish();
              }),
            );
          }
        }
        finish();
      }),
    );
  };
  pending++;
  guarded(g, () =>
    fs.access(dir, fs.constants.W_OK, (err) => {
      s.writable = !err;
      walk(dir, 0);
      finish();
    }),
  );
}
