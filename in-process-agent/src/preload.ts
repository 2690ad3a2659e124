/**
 * Entry of `sentinel/agent.cjs` (`--require`, added to NODE_OPTIONS by the exec wrapper). Deliberately tiny: it
 * decides whether this is the runtime process and loads the agent proper (`agent-core.cjs`) only when needed.
 *
 * Starts only in the Lambda runtime process: `_HANDLER` or `SENTINEL_HANDLER` must be set (extensions have
 * neither) and no ancestor process may already run the agent. Node child processes of the function inherit
 * NODE_OPTIONS and the environment, see SENTINEL_AGENT_ACTIVE holding another pid, and stay dormant: they do not
 * hook or connect (a second client would be refused as tampering); the parent's child_process hook already
 * judged the spawn (exec policy, shell injection).
 *
 * - Exec wrapper (SENTINEL_HANDLER set): only the runtime's own bootstrap runs before the shim, and the shim boots
 *   the agent and installs every hook right before it loads the user's code. The preload just marks the process,
 *   so plain process start stays within a few percent of Node's own.
 * - Preload only: the agent boots here and hooks everything at once (there is no shim to defer to).
 */
import type * as fsT from 'node:fs';
import { shouldStart } from './core/should-start';

function loadCore(): { bootAgent: () => unknown } {
  // Required here, not at the top: the wrapper-mode path (the common one) needs neither.
  const { existsSync } = require('node:fs') as typeof fsT;
  const beside = `${__dirname}/agent-core.cjs`;
  // Non-literal specifiers keep esbuild from bundling the core into this file.
  const source = './core-entry';
  return require(__filename.endsWith('.cjs') && existsSync(beside) ? beside : source) as { bootAgent: () => unknown };
}

try {
  const env = process.env;
  if (shouldStart(env)) {
    if (env.SENTINEL_HANDLER) env.SENTINEL_AGENT_ACTIVE = String(process.pid);
    else loadCore().bootAgent();
  }
} catch {
  // Fail open: the function must run even if the agent cannot start.
}
