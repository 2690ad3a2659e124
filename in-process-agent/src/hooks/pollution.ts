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

export class PrototypeWatch {
  private baseline: Map<object, Set<PropertyKey>> | undefined;

  snapshot(): void {
    this.baseline = new Map(WATCHED.map(([, p]) => [p, new Set(Reflect.ownKeys(p))]));
  }

  /** New own keys per prototype since the baseline; the baseline then absorbs them (reported once). */
  changes(): Array<{ proto: string; keys: string[] }> {
    if (!this.baseline) {
      this.snapshot();
      return [];
    }
    const out: Array<{ proto: string; keys: string[] }> = [];
    for (const [name, p] of WATCHED) {
      const known = this.baseline.get(p)!;
      const keys = Reflect.ownKeys(p);
      // Fast path (every invocation): the own-key count did not change. The baseline follows deletions too, so
      // only a key deleted and another added within the same invocation goes unseen.
      if (keys.length === known.size) continue;
      const added: string[] = [];
      for (const k of keys) if (!known.has(k)) added.push(String(k));
      this.baseline.set(p, new Set(keys));
      if (added.length) out.push({ proto: name, keys: added });
    }
    return out;
  }
}
