/**
 * fs and fs/promises hooks: reads, writes, opens, stats that reveal existence, directory listings, streams,
 * chmod to executable, rename/copy/link. Each call is checked by the path detector; writes into the tmp dirs
 * are remembered as dropped files (for the dropper checks on exec and module load). Blocking: throw (sync),
 * callback error (callback API), rejected promise (promises API), 'error' event (streams, via a failing `fs.open`).
 */
import type * as fsT from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent } from '../core/agent';
import { lazy } from '../core/lazy';
import type { Verdict } from '../detectors/types';
import { type AnyFn, disguise } from './registry';

export type PathOp = 'read' | 'write' | 'stat' | 'list' | 'open' | 'chmod' | 'rename' | 'link';
type Style = 'sync' | 'callback' | 'promise';

/** Which arguments are paths, and what the call does to each. */
type Plan = (a: readonly unknown[]) => Array<[PathOp, unknown]>;

const O_WRITE_MASK = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000; // O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND

export function flagsWrite(flags: unknown): boolean {
  if (typeof flags === 'number') return (flags & O_WRITE_MASK) !== 0;
  if (typeof flags === 'string') return /[wa+]/.test(flags);
  return false;
}

function modeMakesExecutable(mode: unknown): boolean {
  if (typeof mode === 'number') return (mode & 0o111) !== 0;
  if (typeof mode === 'string') return /^[0-7]+$/.test(mode) && (Number.parseInt(mode, 8) & 0o111) !== 0;
  return false;
}

function optionFlag(opts: unknown): unknown {
  return opts && typeof opts === 'object' ? (opts as { flag?: unknown }).flag : undefined;
}

function streamFlags(opts: unknown, fallback: string): unknown {
  return opts && typeof opts === 'object' && 'flags' in opts ? (opts as { flags: unknown }).flags : fallback;
}

const PLANS: Record<string, Plan> = {
  // A read with a writing flag (`{ flag: 'w+' }`) truncates or creates: it counts as the write it is.
  readFile: (a) => [[flagsWrite(optionFlag(a[1])) ? 'write' : 'read', a[0]]],
  readdir: (a) => [['list', a[0]]],
  opendir: (a) => [['list', a[0]]],
  readlink: (a) => [['stat', a[0]]],
  stat: (a) => [['stat', a[0]]],
  lstat: (a) => [['stat', a[0]]],
  access: (a) => [['stat', a[0]]],
  exists: (a) => [['stat', a[0]]],
  open: (a) => [[flagsWrite(a[1]) ? 'write' : 'open', a[0]]],
  writeFile: (a) => [['write', a[0]]],
  appendFile: (a) => [['write', a[0]]],
  truncate: (a) => [['write', a[0]]],
  chmod: (a) => (modeMakesExecutable(a[1]) ? [['chmod', a[0]]] : []),
  rename: (a) => [
    ['read', a[0]],
    ['rename', a[1]],
  ],
  copyFile: (a) => [
    ['read', a[0]],
    ['write', a[1]],
  ],
  cp: (a) => [
    ['read', a[0]],
    ['write', a[1]],
  ],
  symlink: (a) => [['link', a[0]]],
  link: (a) => [['link', a[0]]],
  createReadStream: (a) => [['read', a[0]]],
  createWriteStream: (a) => [[flagsWrite(streamFlags(a[1], 'w')) ? 'write' : 'open', a[0]]],
};

/**
 * Sync functions that call other hooked fs functions themselves (readFileSync → openSync, appendFileSync →
 * writeFileSync → openSync, truncateSync → openSync) and never user code: the outer call was checked for the
 * same path and operation, so the inner ones run with the guard raised instead of being checked again.
 */
const SELF_NESTING_SYNC = new Set(['readFileSync', 'writeFileSync', 'appendFileSync', 'truncateSync']);

const CALLBACK_FNS = Object.keys(PLANS).filter((k) => !k.startsWith('create'));
const PROMISE_FNS = CALLBACK_FNS.filter((k) => k !== 'exists');

/** Memo entry for "the path detector found nothing". */
const NO_VERDICT = Symbol('no verdict');

/** A path argument as a string (fds, FileHandles and other values are not paths). */
export function pathString(p: unknown): string | undefined {
  if (typeof p === 'string') return p;
  if (Buffer.isBuffer(p)) return p.toString('utf8');
  if (p instanceof URL) {
    try {
      return p.protocol === 'file:' ? fileURLToPath(p) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function writesOf(plan: Array<[PathOp, unknown]>): boolean {
  return plan.some(([op]) => op === 'write' || op === 'rename' || op === 'link' || op === 'chmod');
}

export class FsHooks {
  /** The last path decision (a loop over one file repeats it without building the memo key). */
  private lastPath: { memo: Map<string, unknown>; op: PathOp; path: string; verdict: Verdict | undefined } | undefined;

  constructor(private readonly agent: Agent) {}

  /** Runs the path detector for every path of the call; remembers tmp writes. Returns the blocking error. */
  checkCall(sink: string, fnName: string, a: readonly unknown[]): Error | undefined {
    const agent = this.agent;
    if (agent.guard > 0) return undefined;
    let plan: Array<[PathOp, string]>;
    try {
      plan = [];
      for (const [op, p] of PLANS[fnName]!(a)) {
        const s = pathString(p);
        if (s !== undefined) plan.push([op, s]);
      }
      if (plan.length === 0) return undefined;
      if (writesOf(plan)) this.rememberDrops(plan);
    } catch (e) {
      agent.internalError(e, sink);
      return undefined;
    }
    return agent.check(
      sink,
      () => plan.map(([, p]) => p),
      (inputs) => {
        const out: Verdict[] = [];
        // The verdict depends on the operation, the path and this invocation's inputs only: memoised per
        // invocation, so a loop over the same files costs a lookup instead of the detector.
        const memo = agent.context.current()?.memo;
        for (const [op, p] of plan) {
          let v: Verdict | undefined;
          const last = this.lastPath;
          if (memo && last !== undefined && last.memo === memo && last.path === p && last.op === op) v = last.verdict;
          else if (memo) {
            const key = `p|${op}|${p}`;
            const cached = memo.get(key);
            if (cached !== undefined) v = cached === NO_VERDICT ? undefined : (cached as Verdict);
            else {
              v = lazy().detectors.detectPath(op, p, inputs, agent.roots);
              if (memo.size < 256) memo.set(key, v ?? NO_VERDICT);
            }
            this.lastPath = { memo, op, path: p, verdict: v };
          } else v = lazy().detectors.detectPath(op, p, inputs, agent.roots);
          if (v) out.push(v);
        }
        return out;
      },
      { requireUserFrame: true },
    );
  }

  private rememberDrops(plan: Array<[PathOp, string]>): void {
    for (const [op, p] of plan) {
      if (op === 'read' || op === 'stat' || op === 'list' || op === 'open') continue;
      const target = op === 'link' ? undefined : path.resolve(p);
      if (target && this.agent.roots.tmpDirs.some((t) => target.startsWith(t.endsWith('/') ? t : `${t}/`))) {
        this.agent.droppedFiles.add(target);
      }
    }
  }

  install(fs: typeof fsT): void {
    const reg = this.agent.hooks;
    for (const fn of CALLBACK_FNS) {
      this.patchStyle(fs, fn, `fs.${fn}`, 'callback', fn);
      this.patchStyle(fs, `${fn}Sync`, `fs.${fn}Sync`, 'sync', fn);
    }
    this.deferPromises(fs);
    for (const fn of ['createReadStream', 'createWriteStream'] as const) {
      reg.patch(fs, fn, `fs.${fn}`, (original) => {
        const self = this;
        return function (this: unknown, ...a: unknown[]) {
          const err = self.checkCall(`fs.${fn}`, fn, a);
          if (err) a = [a[0], failingOpenOptions(fs, a[1], err)];
          return original.apply(this, a);
        };
      });
    }
  }

  private promisesHooked = false;

  /** Hooks the fs.promises API (also `fs/promises`): same object, loaded by Node only on first use. */
  installPromises(fs: typeof fsT): void {
    if (this.promisesHooked) return;
    this.promisesHooked = true;
    for (const fn of PROMISE_FNS) this.patchStyle(fs.promises, fn, `fs.promises.${fn}`, 'promise', fn);
  }

  /**
   * `fs.promises` is a lazy getter; reading it at preload would load the promises API (milliseconds). The getter is
   * wrapped so the first reader gets it hooked; `require('fs/promises')` goes through the module hook instead.
   */
  private deferPromises(fs: typeof fsT): void {
    const desc = Object.getOwnPropertyDescriptor(fs, 'promises');
    if (!desc?.get || !desc.configurable) {
      this.installPromises(fs);
      return;
    }
    const self = this;
    const originalGet = desc.get;
    Object.defineProperty(fs, 'promises', {
      ...desc,
      get: disguise(function (this: unknown) {
        const value = originalGet.call(this);
        if (!self.promisesHooked) self.installPromises(fs);
        return value;
      }, originalGet),
    });
  }

  private patchStyle(target: object, key: string, label: string, style: Style, planName: string): void {
    const self = this;
    const blockExists = key === 'exists';
    this.agent.hooks.patch(
      target,
      key,
      label,
      (original) => {
        switch (style) {
          case 'sync':
            if (SELF_NESTING_SYNC.has(key)) {
              const agent = self.agent;
              return function (this: unknown, ...a: unknown[]) {
                const err = self.checkCall(label, planName, a);
                if (err) throw err;
                agent.guard++;
                try {
                  return original.apply(this, a);
                } finally {
                  agent.guard--;
                }
              };
            }
            return function (this: unknown, ...a: unknown[]) {
              const err = self.checkCall(label, planName, a);
              if (err) {
                if (key === 'existsSync') return false;
                throw err;
              }
              return original.apply(this, a);
            };
          case 'promise':
            return function (this: unknown, ...a: unknown[]) {
              const err = self.checkCall(label, planName, a);
              if (err) return Promise.reject(err);
              return original.apply(this, a);
            };
          case 'callback':
            return function (this: unknown, ...a: unknown[]) {
              const err = self.checkCall(label, planName, a);
              if (err) {
                const cb = a[a.length - 1];
                if (typeof cb !== 'function') throw err;
                if (blockExists) process.nextTick(cb as AnyFn, false);
                else process.nextTick(cb as AnyFn, err);
                return undefined;
              }
              return original.apply(this, a);
            };
        }
      },
      blockExists
        ? (custom) =>
            function (this: unknown, ...a: unknown[]) {
              const err = self.checkCall(label, planName, a);
              if (err) return Promise.resolve(false);
              return custom.apply(this, a);
            }
        : undefined,
    );
  }
}

/** Stream options whose `fs.open` fails with `err`: the stream then emits 'error' and never touches the file. */
function failingOpenOptions(fs: typeof fsT, opts: unknown, err: Error): object {
  const base =
    typeof opts === 'string' ? { encoding: opts } : opts && typeof opts === 'object' ? { ...(opts as object) } : {};
  const fsImpl = {
    open: (_p: unknown, _f: unknown, _m: unknown, cb: (e: Error) => void) => process.nextTick(cb, err),
    close: (fd: number, cb: (e: Error | null) => void) => fs.close(fd, cb),
    read: fs.read,
    write: fs.write,
    writev: fs.writev,
  };
  return { ...base, fd: undefined, fs: fsImpl };
}
