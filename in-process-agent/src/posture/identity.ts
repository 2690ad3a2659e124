/**
 * What replaced a hook or the handler, described without leaking code: type, name, arity, whether it is native
 * code or the original put back, and a short hash of its source text. Runs only when a replacement was seen.
 */
import type * as cryptoT from 'node:crypto';

export function describeReplacement(current: unknown, original?: unknown): Record<string, string | number | boolean> {
  if (typeof current !== 'function') {
    return { replacementType: current === null ? 'null' : typeof current, restoredOriginal: false };
  }
  const fn = current as { name?: unknown; length?: unknown };
  let source = '';
  try {
    source = Function.prototype.toString.call(current);
  } catch {
    /* revoked proxies and the like */
  }
  const out: Record<string, string | number | boolean> = {
    replacementType: 'function',
    replacementName: String(fn.name ?? '').slice(0, 64),
    replacementLength: typeof fn.length === 'number' ? fn.length : -1,
    replacementNative: /\{\s*\[native code\]\s*\}\s*$/.test(source),
    restoredOriginal: original !== undefined && current === original,
  };
  if (source) {
    const c = require('node:crypto') as typeof cryptoT;
    out.replacementSha256 = c.createHash('sha256').update(source).digest('hex').slice(0, 16);
  }
  return out;
}
