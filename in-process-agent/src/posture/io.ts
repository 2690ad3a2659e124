/**
 * The posture part's file work, all asynchronous (libuv thread pool) and run after an invocation has answered:
 * package.json versions, stat + hash of ledger files, a bounded look at the tmp dir. Calls are made with the
 * agent's guard raised so its own fs hooks let them through; every failure is counted, never thrown.
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

/** The `version` of `<dir>/package.json`, or null (unreadable, not JSON, no plausible version). */
export function readVersion(g: Guarded, fs: typeof fsT, dir: string, cb: (v: string | null) => void): void {
  guarded(g, () =>
    fs.readFile(path.join(dir, 'package.json'), 'utf8', (err, text) => {
      if (err || text.length > 1024 * 1024) return cb(null);
      try {
        const v = (JSON.parse(text) as { version?: unknown }).version;
        cb(typeof v === 'string' && VERSION.test(v) ? v : null);
      } catch {
        cb(null);
      }
    }),
  );
}

/** Size, executable bit, existence and (for small regular files) sha256 of one ledger file. */
export function settleEntry(g: Guarded, fs: typeof fsT, e: LedgerEntry, cb: () => void): void {
  guarded(g, () =>
    fs.lstat(e.path, (err, st) => {
      if (err) {
        e.exists = false;
        e.skipped = (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
        return cb();
      }
      e.exists = true;
      e.size = st.size;
      e.executable = (st.mode & 0o111) !== 0;
      if (!st.isFile()) {
        e.skipped = 'not_a_file';
        e.sha256 = undefined;
        return cb();
      }
      if (st.size > HASH_MAX_BYTES) {
        e.skipped = 'too_large';
        e.sha256 = undefined;
        return cb();
      }
      guarded(g, () =>
        fs.readFile(e.path, (rerr, buf) => {
          if (rerr || buf.length > HASH_MAX_BYTES) {
            e.skipped = rerr ? 'unreadable' : 'too_large';
            return cb();
          }
          try {
            e.sha256 = hash(g, buf);
            e.skipped = undefined;
          } catch {
            e.skipped = 'unreadable';
          }
          cb();
        }),
      );
    }),
  );
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
