/**
 * child_process hooks: every spawning function, sync and async, shell commands and fork. Shell commands go through
 * the shell-injection detector and the exec policy (first word); argument arrays through the exec policy only.
 * Blocking follows each function's convention: throw (execSync/execFileSync), `{error}` (spawnSync), callback +
 * 'error' event (exec/execFile), 'error' event (spawn/fork), rejected promise (promisified exec/execFile).
 */
import type * as cp from 'node:child_process';
import type { Agent } from '../core/agent';
import { lazy } from '../core/lazy';
import type { Verdict } from '../detectors/types';
import type { InputString } from '../input/extract';
import { reportIfDenied } from '../posture/denied';
import { blockedChild, blockedSpawnSyncResult } from './fake-child';
import type { AnyFn } from './registry';

interface Launch {
  /** The shell command line, when a shell interprets it. */
  command?: string;
  file: string;
  args: string[];
}

type Opts = { shell?: unknown; encoding?: unknown } | undefined;

function optsOf(v: unknown): Opts {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Opts) : undefined;
}

/** Naive word split of a shell command, for the exec policy (the shell detector does the real lexing). */
function firstWords(command: string): { file: string; args: string[] } {
  const words = command.trim().split(/\s+/);
  return { file: words[0] ?? '', args: words.slice(1) };
}

export function launchOf(fn: string, a: readonly unknown[]): Launch | undefined {
  const first = a[0];
  if (fn === 'exec' || fn === 'execSync') {
    if (typeof first !== 'string') return undefined;
    return { command: first, ...firstWords(first) };
  }
  let file: string;
  if (typeof first === 'string') file = first;
  else if (first instanceof URL) file = first.pathname;
  else return undefined;
  const args = Array.isArray(a[1]) ? (a[1] as unknown[]).map(String) : [];
  const opts = optsOf(Array.isArray(a[1]) ? a[2] : a[1]);
  if (fn === 'fork') return { file: process.execPath, args: [file, ...args] };
  if (opts?.shell) {
    const command = [file, ...args].join(' ');
    return { command, ...firstWords(command) };
  }
  return { file, args };
}

function detectLaunch(agent: Agent, l: Launch, inputs: InputString[]): Verdict[] {
  const out: Verdict[] = [];
  if (l.command !== undefined) {
    const v = lazy().detectors.detectShellCommand(l.command, inputs);
    if (v) out.push(v);
  }
  out.push(
    ...lazy().detectors.detectExec(l.file, l.args, inputs, agent.config.execAllow, agent.droppedFiles, agent.roots),
  );
  return out;
}

function checkLaunch(agent: Agent, fn: string, a: readonly unknown[]): Error | undefined {
  if (agent.guard > 0) return undefined;
  let launch: Launch | undefined;
  try {
    launch = launchOf(fn, a);
  } catch (e) {
    agent.internalError(e, `child_process.${fn}`);
  }
  if (!launch) return undefined;
  const l = launch;
  return agent.check(
    `child_process.${fn}`,
    () => (l.command !== undefined ? [l.command] : [l.file, ...l.args]),
    (inputs) => detectLaunch(agent, l, inputs),
    {
      evalOrigin: true,
    },
  );
}

function callbackOf(a: readonly unknown[]): AnyFn | undefined {
  for (let i = a.length - 1; i >= 0; i--) if (typeof a[i] === 'function') return a[i] as AnyFn;
  return undefined;
}

function isBufferEncoding(a: readonly unknown[]): boolean {
  return a.some((x) => optsOf(x)?.encoding === 'buffer' || (optsOf(x) !== undefined && optsOf(x)?.encoding === null));
}

/** Runs `original` with the guard raised, so the module's internal calls (exec → execFile → spawn) pass through. */
function passThrough(agent: Agent, original: AnyFn, self: unknown, a: unknown[]): unknown {
  agent.guard++;
  try {
    return original.apply(self, a);
  } catch (e) {
    // SENTINEL_HARDEN: the permission model refused the spawn (thrown synchronously on Node 22/24).
    reportIfDenied(agent, e, 'child_process');
    throw e;
  } finally {
    agent.guard--;
  }
}

export function installChildProcessHooks(agent: Agent, mod: typeof cp): void {
  const reg = agent.hooks;
  const ChildProcess = mod.ChildProcess;

  for (const fn of ['spawn', 'fork'] as const) {
    reg.patch(
      mod,
      fn,
      `child_process.${fn}`,
      (original) =>
        function (this: unknown, ...a: unknown[]) {
          const err = checkLaunch(agent, fn, a);
          if (err) return blockedChild(ChildProcess, err);
          return passThrough(agent, original, this, a);
        },
    );
  }

  for (const fn of ['exec', 'execFile'] as const) {
    reg.patch(
      mod,
      fn,
      `child_process.${fn}`,
      (original) =>
        function (this: unknown, ...a: unknown[]) {
          const err = checkLaunch(agent, fn, a);
          if (err) {
            const child = blockedChild(ChildProcess, err);
            const cb = callbackOf(a);
            const empty = isBufferEncoding(a) ? Buffer.alloc(0) : '';
            if (cb) process.nextTick(() => cb(err, empty, empty));
            return child;
          }
          return passThrough(agent, original, this, a);
        },
      (custom) =>
        function (this: unknown, ...a: unknown[]) {
          const err = checkLaunch(agent, fn, a);
          if (err) {
            const p = Promise.reject(err) as Promise<never> & { child?: cp.ChildProcess };
            p.child = blockedChild(ChildProcess, err);
            return p;
          }
          return passThrough(agent, custom, this, a);
        },
    );
  }

  for (const fn of ['execSync', 'execFileSync'] as const) {
    reg.patch(
      mod,
      fn,
      `child_process.${fn}`,
      (original) =>
        function (this: unknown, ...a: unknown[]) {
          const err = checkLaunch(agent, fn, a);
          if (err) throw err;
          return passThrough(agent, original, this, a);
        },
    );
  }

  // The class under every asynchronous spawn: `new ChildProcess().spawn(options)` skips the module functions
  // (test/tamper childprocess-class). Calls from the hooked functions above run with the guard raised and pass.
  reg.patch(
    ChildProcess.prototype,
    'spawn',
    'ChildProcess.prototype.spawn',
    (original) =>
      function (this: unknown, ...a: unknown[]) {
        const o = a[0] as { file?: unknown; args?: unknown } | null | undefined;
        if (agent.guard === 0 && typeof o?.file === 'string') {
          // options.args carries argv[0] first.
          const args = Array.isArray(o.args) ? (o.args as unknown[]).slice(1).map(String) : [];
          const err = checkLaunch(agent, 'spawn', [o.file, args]);
          if (err) throw err;
        }
        return passThrough(agent, original, this, a);
      },
  );

  reg.patch(
    mod,
    'spawnSync',
    'child_process.spawnSync',
    (original) =>
      function (this: unknown, ...a: unknown[]) {
        const err = checkLaunch(agent, 'spawnSync', a);
        if (err) return blockedSpawnSyncResult(err);
        return passThrough(agent, original, this, a);
      },
  );
}
