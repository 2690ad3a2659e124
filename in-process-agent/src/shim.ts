/**
 * Entry of the handler shim (`_HANDLER=<layer>/sentinel/shim.handler`, set by the exec wrapper). Hooks every
 * builtin, connects the channel, loads the user's handler from SENTINEL_HANDLER with the runtime's own rules and
 * exports it wrapped. Load failures surface as the runtime's own init errors (top-level await).
 */
import { loadUserHandler, lookupHandler, rulesFor } from './handler/load';

type AnyHandler = (...a: unknown[]) => unknown;
interface ShimAgentApi {
  installAll(): void;
  startChannel(): void;
  wrapHandler(fn: AnyHandler, opts?: { currentExport?: () => unknown; label?: string }): AnyHandler;
}

function agentApi(): ShimAgentApi | undefined {
  const key = Symbol.for('sentinel.agent');
  let api = (globalThis as Record<symbol, unknown>)[key] as ShimAgentApi | undefined;
  if (!api) {
    // Wrapper mode: the preload only marked the process; the agent boots here, right before the user's code.
    try {
      // `require` here is the bundle's createRequire(import.meta.url) (build banner): the agent beside the shim.
      const beside = './agent-core.cjs';
      (require(beside) as { bootAgent: () => unknown }).bootAgent();
      api = (globalThis as Record<symbol, unknown>)[key] as ShimAgentApi | undefined;
    } catch {
      api = undefined;
    }
  }
  return api;
}

const api = agentApi();
try {
  api?.installAll();
  api?.startChannel();
} catch {
  /* fail open */
}

const userHandler = process.env.SENTINEL_HANDLER || '';
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
const rules = rulesFor();
// The bundle is ESM (shim.mjs): top-level await makes load failures init errors, as the runtime reports them.
// @ts-expect-error TS sees this file as CommonJS (package without "type": "module"); esbuild emits ESM.
const loaded = await loadUserHandler(taskRoot, userHandler, rules);

let exported: AnyHandler = loaded.fn;
if (api) {
  try {
    exported = api.wrapHandler(loaded.fn, {
      label: userHandler,
      // CJS through import() (Node 24): the namespace's named export is a snapshot, `default` is the live exports.
      currentExport: () => {
        const direct = lookupHandler(loaded.module, loaded.spec, rules);
        const live = lookupHandler((loaded.module as { default?: unknown } | null)?.default, loaded.spec, 'ric3');
        return typeof live === 'function' && live !== loaded.fn ? live : direct;
      },
    });
  } catch {
    exported = loaded.fn;
  }
}

export const handler = exported;
