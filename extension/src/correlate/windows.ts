/**
 * In-memory sliding windows: "have ≥ N events happened within the last W ms?". Each key keeps at most N
 * entries (the N most recent), so memory is O(N) per key whatever the event rate; the oldest of the last N
 * lies within the window exactly when the window holds ≥ N events.
 */
export class SlidingCounter<T> {
  private readonly entries = new Map<string, { at: number; item: T }[]>();

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
    /** Bound on distinct keys (e.g. per-invocation keys); the oldest key is evicted first. */
    private readonly maxKeys = 1024,
  ) {}

  /**
   * Records an event at `at` (ms) and returns the items in the window when the threshold is reached
   * (then the key is cleared, so the next firing needs N fresh events), else undefined.
   */
  add(key: string, at: number, item: T): T[] | undefined {
    let list = this.entries.get(key);
    if (!list) {
      if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
      list = [];
      this.entries.set(key, list);
    }
    list.push({ at, item });
    if (list.length > this.threshold) list.shift();
    if (list.length === this.threshold && at - list[0].at < this.windowMs) {
      this.entries.delete(key);
      return list.map((e) => e.item);
    }
    return undefined;
  }

  /** Events currently within the window for `key` (at most N). */
  count(key: string, now: number): number {
    return (this.entries.get(key) ?? []).filter((e) => now - e.at < this.windowMs).length;
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
