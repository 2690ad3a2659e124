/**
 * Named counters for refused/dropped input. Keys are a fixed vocabulary chosen by the code (never taken from
 * input), so the map stays small.
 */
export class Counters {
  private readonly values = new Map<string, number>();
  inc(name: string, by = 1): number {
    const v = (this.values.get(name) ?? 0) + by;
    this.values.set(name, v);
    return v;
  }
  get(name: string): number {
    return this.values.get(name) ?? 0;
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].sort(([a], [b]) => a.localeCompare(b)));
  }
}
