/**
 * With SENTINEL_HARDEN the permission model may refuse an operation the hooks let through (monitor mode, or an
 * allowed program while child processes are off): Node throws ERR_ACCESS_DENIED. That refusal is reported too,
 * as a blocked finding, before the error reaches the caller unchanged.
 */
import type { Agent } from '../core/agent';

export function reportIfDenied(agent: Agent, e: unknown, sink: string): void {
  try {
    const err = e as { code?: unknown; permission?: unknown; resource?: unknown } | null;
    if (err?.code !== 'ERR_ACCESS_DENIED') return;
    const permission = String(err.permission ?? '').slice(0, 40);
    const resource = String(err.resource ?? '').slice(0, 200);
    agent.reportVerdict(
      {
        category: permission === 'ChildProcess' ? 'exec_policy' : 'configuration',
        kind: 'permission_denied',
        severity: 'medium',
        confidence: 'high',
        title: `Node's permission model refused ${sink} (${permission || 'unknown permission'})`,
        details: { permission, resource },
      },
      sink,
      resource ? [resource] : [],
      undefined,
      true,
    );
  } catch (x) {
    agent.internalError(x, 'posture.denied');
  }
}
