/**
 * Per-invocation context: request id, phase and event, plus the event's user-input strings, extracted lazily (once
 * per invocation, on the first sink that needs them).
 *
 * Two ways to know the current invocation (SENTINEL_CONTEXT):
 * - `async`: AsyncLocalStorage follows each async chain, so environments serving concurrent requests (Lambda
 *   Managed Instances, AWS_LAMBDA_MAX_CONCURRENCY > 1) attribute every operation to its own request. On Node ≥ 24
 *   it is built on AsyncContextFrame and nearly free.
 * - `serial`: a classic Lambda environment runs one invocation at a time, so the invocation in progress is the
 *   one that started last; it stays current until the next starts (work an invocation leaves running after its
 *   response is still its own). On Node 20/22 AsyncLocalStorage runs an async hook for every promise and
 *   resource of the whole process, the runtime's included: ~45 µs per warm invocation, more than all the
 *   agent's checks together. The price: work left running by one invocation that resumes only during a later
 *   one (a long timer across a freeze) is attributed to the later one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ContextMode } from '../../../protocol/config';
import type { Phase } from '../../../protocol/finding';
import { lazy } from '../core/lazy';
import type { InputString } from '../input/extract';

export class Invocation {
  private inputCache: InputString[] | undefined;
  /** Per-invocation dedupe of findings (same category/kind/sink reported once). */
  readonly reported = new Set<string>();
  /** Per-invocation memo of detector results that depend only on the target and this invocation's inputs. */
  readonly memo = new Map<string, unknown>();

  constructor(
    readonly requestId: string,
    readonly event: unknown,
  ) {}

  /** The event's user-input strings; computed on first use. Extraction failures yield no inputs. */
  inputs(onError?: (e: unknown) => void): InputString[] {
    if (this.inputCache === undefined) {
      try {
        this.inputCache = lazy().extractInputs(this.event).inputs;
      } catch (e) {
        this.inputCache = [];
        onError?.(e);
      }
    }
    return this.inputCache;
  }
}

interface Tracker {
  current(): Invocation | undefined;
  /** Runs the handler: `inv` is current inside `fn` and whatever it schedules. */
  begin<T>(inv: Invocation, fn: () => T): T;
  /** Runs `fn` with `inv` current, then restores what was current. */
  run<T>(inv: Invocation, fn: () => T): T;
}

class AsyncTracker implements Tracker {
  private readonly als = new AsyncLocalStorage<Invocation>();
  current(): Invocation | undefined {
    return this.als.getStore();
  }
  begin<T>(inv: Invocation, fn: () => T): T {
    return this.als.run(inv, fn);
  }
  run<T>(inv: Invocation, fn: () => T): T {
    return this.als.run(inv, fn);
  }
}

class SerialTracker implements Tracker {
  private active: Invocation | undefined;
  current(): Invocation | undefined {
    return this.active;
  }
  begin<T>(inv: Invocation, fn: () => T): T {
    this.active = inv;
    return fn();
  }
  run<T>(inv: Invocation, fn: () => T): T {
    const before = this.active;
    this.active = inv;
    try {
      return fn();
    } finally {
      this.active = before;
    }
  }
}

/** `auto` resolved for this process: `async` where it is cheap or needed, else `serial`. */
export function resolveContextMode(
  mode: ContextMode,
  env: NodeJS.ProcessEnv,
  nodeVersion = process.versions.node,
): 'async' | 'serial' {
  if (mode !== 'auto') return mode;
  const major = Number.parseInt(nodeVersion, 10);
  const concurrency = Number.parseInt(env.AWS_LAMBDA_MAX_CONCURRENCY ?? '', 10);
  return major >= 24 || concurrency > 1 ? 'async' : 'serial';
}

export class InvocationContext {
  private readonly tracker: Tracker;
  /** Set once the first invocation starts: code outside any invocation is `init` before, `unknown` after. */
  private invoked = false;
  /** Dedupe for findings outside invocations (init phase). */
  readonly initReported = new Set<string>();

  constructor(readonly mode: 'async' | 'serial' = 'async') {
    this.tracker = mode === 'async' ? new AsyncTracker() : new SerialTracker();
  }

  current(): Invocation | undefined {
    return this.tracker.current();
  }

  phase(): Phase {
    if (this.tracker.current()) return 'invoke';
    return this.invoked ? 'unknown' : 'init';
  }

  /** Calls the handler for `inv`. */
  begin<T>(inv: Invocation, fn: () => T): T {
    this.invoked = true;
    return this.tracker.begin(inv, fn);
  }

  /** Agent work on behalf of `inv` (after-invocation checks). */
  run<T>(inv: Invocation, fn: () => T): T {
    this.invoked = true;
    return this.tracker.run(inv, fn);
  }
}
