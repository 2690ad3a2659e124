/**
 * A level-triggered wait: phases wait for a predicate over the environment's state, re-checked whenever that state
 * changes (`notify`). Simpler and less error-prone than a dedicated promise per condition.
 */
export class StateSignal {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves with the first truthy value of `check`, or 'timeout' once `deadline` (epoch ms) passes. */
  until<T>(check: () => T | undefined | false, deadline: number): Promise<T | 'timeout'> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (v: T | 'timeout') => {
        this.listeners.delete(listener);
        if (timer) clearTimeout(timer);
        resolve(v);
      };
      const listener = () => {
        const v = check();
        if (v) finish(v);
      };
      const first = check();
      if (first) return resolve(first);
      this.listeners.add(listener);
      const remaining = deadline - Date.now();
      if (remaining <= 0) return finish('timeout');
      if (Number.isFinite(remaining)) timer = setTimeout(() => finish('timeout'), remaining);
    });
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Waits for `p` at most `ms`; the timer is cleared as soon as `p` settles (no timer outlives the wait). */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}
