/**
 * Per-invocation context in AsyncLocalStorage: request id, phase and event, plus the event's user-input strings,
 * extracted lazily (once per invocation, on the first sink that needs them).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
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

export class InvocationContext {
  private readonly als = new AsyncLocalStorage<Invocation>();
  /** Set once the first invocation starts: code outside any invocation is `init` before, `unknown` after. */
  private invoked = false;
  /** Dedupe for findings outside invocations (init phase). */
  readonly initReported = new Set<string>();

  current(): Invocation | undefined {
    return this.als.getStore();
  }

  phase(): Phase {
    if (this.als.getStore()) return 'invoke';
    return this.invoked ? 'unknown' : 'init';
  }

  run<T>(inv: Invocation, fn: () => T): T {
    this.invoked = true;
    return this.als.run(inv, fn);
  }
}
