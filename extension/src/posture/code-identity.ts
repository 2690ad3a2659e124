/**
 * A deploy or tampering? When the handler's files differ from the stored baseline, the control plane says whether
 * the function's code changed: GetFunctionConfiguration's `CodeSha256` (with `LastModified`/`RevisionId` as
 * supporting facts) is stored beside the baseline and compared here. Only an unchanged CodeSha256, on code this
 * environment is known to run, is tampering: a deploy must never terminate the function we protect.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { errorInfo, withRetry } from '../record/aws';

/** The function version's code as the control plane describes it. */
export interface CodeIdentity {
  codeSha256: string;
  lastModified: string;
  revisionId: string;
}

/** Stored beside a baseline: `settled` = the environment that stored it is known to run this code. */
export interface StoredIdentity extends CodeIdentity {
  settled: boolean;
}

export type IdentityRead = { ok: true; id: CodeIdentity; settled: boolean } | { ok: false; reason: string };

/**
 * After an update, cold starts may still get the previous code for a while (Lambda serves the old code while
 * `LastUpdateStatus` is `InProgress`), and an environment started before the update may compare only at SHUTDOWN.
 * Only an environment started this long after `LastModified` is known to run the code CodeSha256 describes.
 */
export const SETTLE_MS = 300_000;

/** AWS's LastModified (`2024-05-01T12:00:00.000+0000`) in ms; NaN when unreadable. */
export function parseLastModified(s: string): number {
  return Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/**
 * Whether an environment started at `envStartMs` runs the code `id` describes. A published version's code is
 * immutable: always. `$LATEST`: only when the last update completed and lies SETTLE_MS before the start.
 */
export function isSettled(
  version: string,
  id: { lastModified: string },
  envStartMs: number,
  lastUpdateStatus?: string,
): boolean {
  if (version !== '$LATEST') return true;
  if (lastUpdateStatus !== undefined && lastUpdateStatus !== 'Successful') return false;
  const at = parseLastModified(id.lastModified);
  return Number.isFinite(at) && envStartMs >= at + SETTLE_MS;
}

/** First 12 characters of the base64 CodeSha256: enough to tell two deploys apart in a finding. */
export const shortSha = (s: string) => s.slice(0, 12);

export type Verdict =
  /** CodeSha256 changed: a deploy. The new files become the baseline. */
  | { kind: 'deployed'; old: string; new: string }
  /** Files changed, CodeSha256 did not (or a published version without a usable answer): critical. */
  | { kind: 'modified' }
  /** `$LATEST` and the control plane cannot tell: reported below any terminating severity. */
  | { kind: 'unverified'; reason: string; replace: boolean };

/** The decision for a baseline whose files differ from this environment's. */
export function judgeChange(o: { version: string; stored?: StoredIdentity; current: IdentityRead }): Verdict {
  const latest = o.version === '$LATEST';
  const { stored, current } = o;
  if (!current.ok) return latest ? { kind: 'unverified', reason: current.reason, replace: true } : { kind: 'modified' };
  // A published version's CodeSha256 changes only when the function was deleted and created again: new code.
  if (stored && stored.codeSha256 !== current.id.codeSha256)
    return { kind: 'deployed', old: stored.codeSha256, new: current.id.codeSha256 };
  if (!latest) return { kind: 'modified' };
  if (!stored) return { kind: 'unverified', reason: 'baseline without CodeSha256', replace: current.settled };
  if (!current.settled)
    return { kind: 'unverified', reason: 'this environment may predate the last update', replace: false };
  if (!stored.settled) return { kind: 'unverified', reason: 'the baseline was stored during an update', replace: true };
  return { kind: 'modified' };
}

/** GetFunctionConfiguration for the version (unqualified for `$LATEST`, the same configuration). Never throws. */
export async function readIdentity(o: {
  lambda: () => LambdaClient;
  functionName: string;
  version: string;
  envStartMs: number;
  deadline: number;
}): Promise<IdentityRead> {
  try {
    const { GetFunctionConfigurationCommand } =
      require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
    const cfg = await withRetry(
      (abortSignal) =>
        o.lambda().send(
          new GetFunctionConfigurationCommand({
            FunctionName: o.functionName,
            ...(o.version !== '$LATEST' ? { Qualifier: o.version } : {}),
          }),
          { abortSignal },
        ),
      { deadline: o.deadline, maxAttempts: 3 },
    );
    if (!cfg.CodeSha256) return { ok: false, reason: 'no CodeSha256 in GetFunctionConfiguration' };
    const id = { codeSha256: cfg.CodeSha256, lastModified: cfg.LastModified ?? '', revisionId: cfg.RevisionId ?? '' };
    return { ok: true, id, settled: isSettled(o.version, id, o.envStartMs, cfg.LastUpdateStatus) };
  } catch (e) {
    const i = errorInfo(e);
    return { ok: false, reason: `GetFunctionConfiguration failed: ${i.name}${i.status ? ` (${i.status})` : ''}` };
  }
}
