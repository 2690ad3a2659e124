/**
 * Lets the event loop wait for `platform.runtimeDone` of the request it is handling. Telemetry may deliver
 * runtimeDone before or after the INVOKE is processed, so finished ids are remembered (bounded).
 */
import { BoundedSet } from '../util/bounded-set';

export class RuntimeDoneWaiter {
  private readonly done = new BoundedSet<string>(256);
  private readonly waiters = new Map<string, () => void>();

  markDone(requestId: string): void {
    this.done.add(requestId);
    const w = this.waiters.get(requestId);
    if (w) {
      this.waiters.delete(requestId);
      w();
    }
  }

  /** Resolves true when runtimeDone was seen, false after `ms`. */
  waitFor(requestId: string, ms: number): Promise<boolean> {
    if (this.done.has(requestId)) return Promise.resolve(true);
    if (ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(requestId);
        resolve(false);
      }, ms);
      this.waiters.set(requestId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
