/**
 * Which request ids the agent announced (inv_start / inv_end). The extension compares it with the invocations the
 * platform reports on telemetry: an invocation the agent never mentioned means the agent is absent or silenced.
 * Memory bound: the last `capacity` request ids.
 */
import { BoundedSet } from '../util/bounded-set';

export class HeartbeatLedger {
  private readonly seen: BoundedSet<string>;
  constructor(capacity = 256) {
    this.seen = new BoundedSet(capacity);
  }
  record(requestId: string): void {
    this.seen.add(requestId);
  }
  has(requestId: string): boolean {
    return this.seen.has(requestId);
  }
}

/**
 * Whether invocations must carry a heartbeat. `auto`: when the exec wrapper is ours or NODE_OPTIONS preloads our
 * agent (the user configured the agent, so its silence is suspicious).
 */
export function agentExpected(setting: 'auto' | 'true' | 'false', env: { wrapperIsOurs: boolean; preloadIsOurs: boolean }): boolean {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  return env.wrapperIsOurs || env.preloadIsOurs;
}
