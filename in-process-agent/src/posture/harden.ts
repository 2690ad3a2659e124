/**
 * SENTINEL_HARDEN as the agent sees it: the exec wrapper adds Node's permission-model flags when the runtime's
 * Node supports them (≥ 22.13); the agent reads the outcome from `process.permission` (defined only when the model
 * is active) instead of trusting a variable, and reports a requested-but-missing hardening as a finding.
 */
import type { Verdict } from '../detectors/types';

export interface HardenState {
  requested: boolean;
  active: boolean;
  node: string;
  /** Why hardening is not active although requested. */
  reason?: 'node_too_old' | 'not_applied';
  /** What the permission model grants (only when active). */
  allows?: {
    childProcess: boolean;
    worker: boolean;
    addons: boolean;
    wasi: boolean;
    fsWriteTmp: boolean;
    fsWriteTask: boolean;
  };
}

interface PermissionApi {
  has(scope: string, reference?: string): boolean;
}

/** The permission model is stable (and accepted in NODE_OPTIONS as `--permission`) from Node 22.13. */
export function supportsPermissionModel(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 22 || (major === 22 && minor >= 13);
}

export function hardenState(
  requested: boolean,
  proc: { version: string; permission?: PermissionApi },
  dirs: { tmp: string; task: string },
): HardenState {
  const perm = proc.permission;
  const state: HardenState = {
    requested,
    active: perm !== undefined && typeof perm.has === 'function',
    node: proc.version,
  };
  if (state.active && perm) {
    const has = (scope: string, ref?: string): boolean => {
      try {
        return perm.has(scope, ref);
      } catch {
        return false;
      }
    };
    state.allows = {
      childProcess: has('child'),
      worker: has('worker'),
      addons: has('addon'),
      wasi: has('wasi'),
      fsWriteTmp: has('fs.write', dirs.tmp),
      fsWriteTask: has('fs.write', dirs.task),
    };
  } else if (requested) {
    state.reason = supportsPermissionModel(proc.version) ? 'not_applied' : 'node_too_old';
  }
  return state;
}

/** The `configuration` finding for SENTINEL_HARDEN=true without an active permission model. */
export function hardenVerdict(s: HardenState): Verdict | undefined {
  if (!s.requested || s.active) return undefined;
  const tooOld = s.reason === 'node_too_old';
  return {
    category: 'configuration',
    kind: 'harden_unavailable',
    severity: 'medium',
    confidence: 'high',
    title: tooOld
      ? `SENTINEL_HARDEN is set but Node ${s.node} has no stable permission model (needs ≥ 22.13)`
      : 'SENTINEL_HARDEN is set but the permission model is not active (use AWS_LAMBDA_EXEC_WRAPPER=/opt/sentinel-wrapper)',
    details: { node: s.node, reason: s.reason ?? 'unknown' },
  };
}
