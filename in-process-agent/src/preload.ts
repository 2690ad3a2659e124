/**
 * Entry of the agent (`--require <layer>/sentinel/agent.cjs`, added to NODE_OPTIONS by the exec wrapper).
 *
 * Starts only in the Lambda runtime process: `_HANDLER` or `SENTINEL_HANDLER` must be set (extensions have
 * neither) and no ancestor process may already run the agent. Node child processes of the function inherit
 * NODE_OPTIONS and the environment, see SENTINEL_AGENT_ACTIVE holding another pid, and stay dormant: they do not
 * hook or connect (a second client would be refused as tampering); the parent's child_process hook already
 * judged the spawn (exec policy, shell injection).
 */
import { bootAgent } from './core/boot';

try {
  bootAgent();
} catch {
  // Fail open: the function must run even if the agent cannot start.
}
