/**
 * Preload-only attach (NODE_OPTIONS=--require .../agent.cjs without the exec wrapper): there is no shim, so the
 * agent wraps the handler where it can — when the runtime `require`s the handler's CommonJS module (Node 20/22),
 * the exported function is replaced in the module's exports object before the runtime reads it. Limits: ESM
 * handlers (namespaces are immutable) and CJS loaded through `import()` (Node 24) are not wrapped, so their
 * invocations carry no context (no request id; phase `init`, as the agent cannot tell them from init there; no
 * input correlation, no heartbeats, no quarantine refusal);
 * all hooks and behavioural detections still work.
 */
import * as path from 'node:path';
import type { AgentApi } from '../core/boot';
import type { AnyFn } from '../hooks/registry';
import { parseHandler } from './handler-name';

export function installPreloadHandlerWrap(api: AgentApi, env: NodeJS.ProcessEnv): void {
  const handler = env._HANDLER;
  if (!handler) return;
  let spec: ReturnType<typeof parseHandler>;
  try {
    spec = parseHandler(handler);
  } catch {
    return;
  }
  const base = path.resolve(env.LAMBDA_TASK_ROOT || process.cwd(), spec.moduleRoot, spec.moduleName);
  const candidates = new Set([base, `${base}.js`, `${base}.cjs`]);
  // The CJS Module class, without require('module') (which would load the ESM loader at preload).
  const M = module.constructor as unknown as { _load: AnyFn };
  const originalLoad = M._load;
  let wrapped = false;
  M._load = function (this: unknown, ...a: unknown[]) {
    const exports = originalLoad.apply(this, a);
    if (!wrapped && typeof a[0] === 'string' && candidates.has(a[0])) {
      wrapped = true;
      try {
        wrapExport(api, exports, spec.handlerPath);
      } catch (e) {
        api.agent.internalError(e, 'preload-wrap');
      }
    }
    return exports;
  };
  // This wrapper now holds the agent's Module._load hook: keep the integrity check pointed at it.
  const patch = api.agent.hooks.patches.find((p) => p.target === M && p.key === '_load');
  if (patch) patch.wrapper = M._load;
}

function wrapExport(api: AgentApi, exports: unknown, handlerPath: string): void {
  const keys = handlerPath.split('.');
  const last = keys.pop()!;
  let holder = exports as Record<string, unknown> | undefined;
  for (const k of keys) holder = holder?.[k] as Record<string, unknown> | undefined;
  const fn = holder?.[last];
  if (!holder || typeof fn !== 'function') return;
  const h = holder;
  const wrapped = api.wrapHandler(fn as AnyFn, {
    label: handlerPath,
    currentExport: () => (h[last] === wrapped ? fn : h[last]),
  });
  h[last] = wrapped;
}
