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
  /** Heartbeats recorded so far (bounded by the capacity). */
  get size(): number {
    return this.seen.size;
  }
}

/**
 * Whether invocations must carry a heartbeat. `auto`: when the function is configured to run the agent, i.e.
 * AWS_LAMBDA_EXEC_WRAPPER ends with `sentinel-wrapper`, or NODE_OPTIONS preloads `sentinel/agent.cjs` (then the
 * agent's silence is suspicious). Deliberately looser than the self-check's "is it ours" test: a look-alike
 * wrapper is reported there, and still means the user expects the agent here.
 */
export function agentExpected(
  setting: 'auto' | 'true' | 'false',
  execWrapper: string | undefined,
  preloadModules: readonly string[],
): boolean {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  if (execWrapper?.trim().endsWith('sentinel-wrapper')) return true;
  return preloadModules.some((m) => /(^|[/\\])sentinel[/\\]agent\.c?js$/.test(m));
}
