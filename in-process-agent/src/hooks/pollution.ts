/**
 * Prototype pollution (T13): built-in prototypes that gained own properties since the last check.
 * The baseline is taken when the first invocation starts (libraries may legitimately extend prototypes at init).
 */
const WATCHED: Array<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Promise.prototype', Promise.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Error.prototype', Error.prototype],
];

/** Full scans (every own key, symbols and non-enumerable ones included) run at most this often. */
const FULL_SCAN_INTERVAL_MS = 1000;

/**
 * Two tiers, because listing every own key of nine prototypes costs ~10 µs, too much for every invocation:
 * - every invocation, the enumerable own keys (`Object.keys`, ~0.5 µs): pollution through data (`__proto__` in a
 *   merged object, `a[k1][k2] = v`) always creates enumerable properties;
 * - at most once per FULL_SCAN_INTERVAL_MS, every own key: additions through `Object.defineProperty` or symbols
 *   (code that can do that already runs in the process) are reported by the first full scan after them.
 */
export class PrototypeWatch {
  private baseline: Map<object, Set<PropertyKey>> | undefined;
  private enumerable: Map<object, number> | undefined;
  private lastFullScan = Number.NEGATIVE_INFINITY;

  snapshot(now = performance.now()): void {
    this.baseline = new Map(WATCHED.map(([, p]) => [p, new Set(Reflect.ownKeys(p))]));
    this.enumerable = new Map(WATCHED.map(([, p]) => [p, Object.keys(p).length]));
    this.lastFullScan = now;
  }

  /** New own keys per prototype since the baseline; the baseline then absorbs them (reported once). */
  changes(now = performance.now()): Array<{ proto: string; keys: string[] }> {
    if (!this.baseline || !this.enumerable) {
      this.snapshot(now);
      return [];
    }
    const full = now - this.lastFullScan >= FULL_SCAN_INTERVAL_MS;
    if (full) this.lastFullScan = now;
    const out: Array<{ proto: string; keys: string[] }> = [];
    for (const [name, p] of WATCHED) {
      const enumerableNow = Object.keys(p).length;
      const enumerableChanged = enumerableNow !== this.enumerable.get(p);
      if (!full && !enumerableChanged) continue;
      this.enumerable.set(p, enumerableNow);
      const known = this.baseline.get(p)!;
      const keys = Reflect.ownKeys(p);
      const added: string[] = [];
      for (const k of keys) if (!known.has(k)) added.push(String(k));
      // The baseline follows deletions too (a key deleted and another added between two checks is still seen).
      if (added.length || keys.length !== known.size) this.baseline.set(p, new Set(keys));
      if (added.length) out.push({ proto: name, keys: added });
    }
    return out;
  }
}
