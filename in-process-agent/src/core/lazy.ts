/**
 * Access to the lazily loaded part of the agent (lazy-entry.ts): from the layer, the `agent-lazy.cjs` bundle
 * beside `agent.cjs`; from sources (unit tests), the modules themselves. Loaded once, on first use.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as Lazy from '../lazy-entry';

let parts: typeof Lazy | undefined;

export function lazy(): typeof Lazy {
  if (!parts) {
    const beside = path.join(__dirname, 'agent-lazy.cjs');
    // Non-literal specifiers keep esbuild from bundling this part into agent.cjs.
    const source = '../lazy-entry';
    parts = (__filename.endsWith('.cjs') && existsSync(beside) ? require(beside) : require(source)) as typeof Lazy;
  }
  return parts;
}
