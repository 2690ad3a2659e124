/**
 * Replacing a builtin function without changing what user code can observe: the wrapper keeps the original's
 * name, length, prototype chain and own properties (including `util.promisify.custom`, wrapped too when given),
 * and every patch is recorded so the agent can later verify its hooks are still in place.
 */
import { promisify } from 'node:util';

// biome-ignore lint/suspicious/noExplicitAny: wrappers forward arbitrary builtin signatures
export type AnyFn = (this: any, ...args: any[]) => any;

export interface Patch {
  target: object;
  key: PropertyKey;
  label: string;
  wrapper: unknown;
  original: unknown;
}

const SKIP = new Set<PropertyKey>(['length', 'name', 'prototype', 'arguments', 'caller']);

/** Makes `wrapper` look like `original` (name, length, prototype chain, own properties). */
export function disguise<T extends AnyFn>(fn: AnyFn, original: T, skip?: PropertyKey): T {
  let wrapper = fn;
  if (!Object.hasOwn(original, 'prototype') && Object.hasOwn(fn, 'prototype')) {
    // Async functions and methods have no `prototype` and cannot be constructed: a method keeps both facts.
    wrapper = {
      m(this: unknown, ...a: unknown[]) {
        return fn.apply(this, a);
      },
    }.m;
  }
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  Object.setPrototypeOf(wrapper, Object.getPrototypeOf(original));
  for (const key of Reflect.ownKeys(original)) {
    if (SKIP.has(key) || key === skip) continue;
    const d = Object.getOwnPropertyDescriptor(original, key);
    if (d) Object.defineProperty(wrapper, key, d);
  }
  return wrapper as T;
}

export class HookRegistry {
  readonly patches: Patch[] = [];
  private readonly replacedReported = new Set<string>();

  /**
   * Replaces `target[key]` with `make(original)`. `makeCustom` wraps the original's `util.promisify.custom`
   * (which would otherwise bypass the hook). Does nothing when the property is not a function.
   */
  patch<T extends AnyFn>(
    target: object,
    key: string,
    label: string,
    make: (original: T) => AnyFn,
    makeCustom?: (custom: AnyFn) => AnyFn,
  ): void {
    const original = (target as Record<string, unknown>)[key] as T;
    if (typeof original !== 'function') return;
    // Read the descriptor, not the property: some customs are lazy getters (setTimeout's loads timers/promises).
    const custom = Object.getOwnPropertyDescriptor(original, promisify.custom)?.value;
    const wrapCustom = makeCustom !== undefined && typeof custom === 'function';
    const wrapper = disguise(make(original), original, wrapCustom ? promisify.custom : undefined);
    if (wrapCustom) {
      const d = Object.getOwnPropertyDescriptor(original, promisify.custom);
      const wrappedCustom = disguise(makeCustom(custom as AnyFn), custom as AnyFn);
      Object.defineProperty(wrapper, promisify.custom, { ...d, value: wrappedCustom });
    }
    const desc = Object.getOwnPropertyDescriptor(target, key);
    if (desc && 'value' in desc) Object.defineProperty(target, key, { ...desc, value: wrapper });
    else (target as Record<string, unknown>)[key] = wrapper;
    this.patches.push({ target, key, label, wrapper, original });
  }

  /** Labels of hooks that user code replaced since they were installed (each reported once). */
  replaced(): string[] {
    const out: string[] = [];
    for (const p of this.patches) {
      let current: unknown;
      try {
        current = (p.target as Record<PropertyKey, unknown>)[p.key];
      } catch {
        continue;
      }
      if (current !== p.wrapper && !this.replacedReported.has(p.label)) {
        this.replacedReported.add(p.label);
        out.push(p.label);
      }
    }
    return out;
  }
}
