/** Posture and integrity findings (shared schema; details never carry a secret value or a prefix of one). */
import type { Finding, Phase } from '../../../protocol/finding';
import { extensionFinding } from '../findings/extension-finding';
import type { FileChange } from './diff';
import type { Exposure } from './env-exposure';
import type { ManifestCheck } from './manifest';

/** Findings per check (a redeploy changes every file: one finding per file would flood the pipeline). */
export const MAX_CHANGE_FINDINGS = 8;

export function exposureFinding(e: Exposure, hashScope: string): Finding {
  return extensionFinding({
    category: 'posture',
    kind: 'plaintext_secret',
    severity: e.severity,
    confidence: e.kind === 'generic_secret' ? 'medium' : 'high',
    title: `Environment variable ${e.variable} holds a plaintext credential (${e.kind})`,
    phase: 'init',
    details: { variable: e.variable, secretKind: e.kind, hash: e.hash, hashScope },
  });
}

export type TreeName = 'task' | 'runtime';

export function changeFindings(
  tree: TreeName,
  changes: FileChange[],
  against: 'baseline' | 'environment',
  phase: Phase,
  extra: Record<string, string | number | boolean> = {},
): Finding[] {
  const what = tree === 'task' ? 'Handler code' : 'Runtime';
  const since =
    against === 'baseline' ? 'the baseline of an earlier cold start' : 'an earlier check in this environment';
  return changes.slice(0, MAX_CHANGE_FINDINGS).map((c) =>
    extensionFinding({
      category: 'integrity',
      kind: tree === 'task' ? 'code_modified' : 'runtime_modified',
      severity: 'critical',
      title: `${what} file ${c.new === 'missing' ? 'removed' : c.old === 'absent' ? 'added' : 'changed'} since ${since}: ${c.path}`,
      phase,
      details: { root: tree, path: c.path, old: c.old, new: c.new, against, changes: changes.length, ...extra },
    }),
  );
}

export function manifestFindings(m: ManifestCheck): Finding[] {
  if (m.state === 'malformed' || m.state === 'absent')
    return [
      extensionFinding({
        category: 'integrity',
        kind: 'layer_manifest_invalid',
        severity: 'high',
        title: `Sentinel’s layer manifest cannot be used: ${m.reason ?? m.state}`,
        phase: 'init',
        details: { state: m.state, reason: m.reason ?? m.state },
      }),
    ];
  return m.modified.slice(0, MAX_CHANGE_FINDINGS).map((c) =>
    extensionFinding({
      category: 'integrity',
      kind: 'layer_modified',
      severity: 'critical',
      title: `Sentinel layer file ${c.new === 'missing' ? 'missing' : 'differs from the build manifest'}: ${c.path}`,
      phase: 'init',
      details: { root: 'layer', path: c.path, old: c.old, new: c.new, changes: m.modified.length },
    }),
  );
}

/** A deploy (CodeSha256 changed): the new code became the baseline. Inventory, not an attack signal. */
export function codeDeployedFinding(o: {
  old: string;
  new: string;
  lastModified: string;
  revisionId: string;
  changes: number;
  baselineAt: string;
}): Finding {
  return extensionFinding({
    category: 'posture',
    kind: 'code_deployed',
    severity: 'info',
    title: `Handler code deployed since the baseline (CodeSha256 ${o.old} → ${o.new}); the new code is the baseline`,
    phase: 'init',
    details: { root: 'task', ...o },
  });
}

/**
 * `$LATEST` files differ from the baseline and the control plane could not tell a deploy from tampering: reported
 * in `posture` (no built-in rule acts on it, the `integrity` rule would terminate), with the reason.
 */
export function codeUnverifiedFinding(
  changes: FileChange[],
  o: { reason: string; baselineAt: string; codeSha256?: string },
): Finding {
  const first = changes[0];
  return extensionFinding({
    category: 'posture',
    kind: 'code_changed_unverified',
    severity: 'medium',
    confidence: 'low',
    title: `Handler code differs from the baseline (${changes.length} file(s), first ${first?.path ?? '?'}) and could not be matched to a deploy: ${o.reason}`,
    phase: 'init',
    details: {
      root: 'task',
      against: 'baseline',
      reason: o.reason,
      changes: changes.length,
      paths: changes
        .slice(0, MAX_CHANGE_FINDINGS)
        .map((c) => c.path)
        .join(','),
      baselineAt: o.baselineAt,
      ...(o.codeSha256 ? { codeSha256: o.codeSha256 } : {}),
    },
  });
}
