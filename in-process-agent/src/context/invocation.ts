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
 *   agent's checks together. The price: work left running by one invocation that resumes only during the next
 *   one (a long timer across a freeze) is reported under the next one's request id; it is still correlated
 *   with the earlier invocation's inputs (`correlationInputs`). Never chosen when AWS_LAMBDA_MAX_CONCURRENCY > 1.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ContextMode } from '../../../protocol/config';
import type { Phase } from '../../../protocol/finding';
import { lazy } from '../core/lazy';
import type { InputString } from '../input/extract';

export class Invocation {
  private inputCache: InputString[] | undefined;
  private withEarlierCache: InputString[] | undefined;
  /**
   * Serial context only: the invocation before this one. Work it left behind may resume during this one (a timer
   * across a freeze); its inputs stay candidates for correlation, so a payload cannot escape by waiting.
   */
  earlier: Invocation | undefined;
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

  /**
   * The inputs correlation runs against: this invocation's, then (serial context) the previous invocation's, their
   * paths prefixed with its request id.
   */
  correlationInputs(onError?: (e: unknown) => void): InputString[] {
    const own = this.inputs(onError);
    const earlier = this.earlier;
    if (!earlier) return own;
    if (this.withEarlierCache === undefined) {
      const prefix = `(request ${earlier.requestId.slice(0, 64)})`;
      this.withEarlierCache = own.concat(
        earlier.inputs(onError).map((i) => ({ path: `${prefix}${i.path}`, value: i.value })),
      );
    }
    return this.withEarlierCache;
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
    const before = this.active;
    if (before && before !== inv) {
      before.earlier = undefined; // one invocation back: memory stays bounded (an event can be 6 MB)
      inv.earlier = before;
    }
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
  const concurrency = Number.parseInt(env.AWS_LAMBDA_MAX_CONCURRENCY ?? '', 10);
  // Concurrent requests cannot share one slot: there `serial` would mix their inputs and request ids.
  if (concurrency > 1) return 'async';
  if (mode !== 'auto') return mode;
  return Number.parseInt(nodeVersion, 10) >= 24 ? 'async' : 'serial';
}

export class InvocationContext {
  private readonly tracker: Tracker;
  /**
   * Set once the first invocation starts: code outside any invocation is `init` before, `unknown` after (async
   * context; in the serial context the last invocation stays current, so `unknown` does not occur).
   */
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
