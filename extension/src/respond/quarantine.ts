/**
 * Quarantine and release on the Lambda control plane. Both edit exactly one variable (SENTINEL_QUARANTINE) of
 * the function's environment: read the configuration, merge, write with its RevisionId, and re-read on a
 * conflict (another writer, or an update still in progress). The user's other variables are always kept.
 * Also used by the `sentinel release` CLI.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { QuarantineInfo } from '../../../protocol/channel';
import { errorInfo, isRetryable, withRetry } from '../record/aws';

export const QUARANTINE_VAR = 'SENTINEL_QUARANTINE';

const CONFLICTS = new Set(['PreconditionFailedException', 'ResourceConflictException']);
const MAX_CONFLICT_ROUNDS = 8;

export interface EnvEditResult {
  changed: boolean;
  /** Read–write rounds (conflicts cause extra rounds). */
  rounds: number;
  /** Requests sent in total, retries included. */
  requests: number;
  revisionId?: string;
}

export class EnvironmentUnreadableError extends Error {
  override name = 'EnvironmentUnreadableError';
}

type Edit = (vars: Record<string, string>) => Record<string, string> | undefined;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Read–merge–write with RevisionId. `edit` returns the new variables, or undefined for "nothing to do". */
export async function editEnvironment(
  lambda: LambdaClient,
  functionName: string,
  edit: Edit,
  deadline: number,
  onRetry?: (op: string, e: unknown, attempt: number) => void,
): Promise<EnvEditResult> {
  const { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } =
    require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  let requests = 0;
  for (let round = 1; round <= MAX_CONFLICT_ROUNDS; round++) {
    const cfg = await withRetry(
      (abortSignal) => {
        requests++;
        return lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }), { abortSignal });
      },
      { deadline, onRetry: (e, a) => onRetry?.('GetFunctionConfiguration', e, a) },
    );
    // KMS errors hide the variables: writing now would wipe them, so refuse.
    if (cfg.Environment?.Error)
      throw new EnvironmentUnreadableError(`environment unreadable: ${cfg.Environment.Error.ErrorCode ?? 'error'}`);
    const current = { ...(cfg.Environment?.Variables ?? {}) };
    const next = edit(current);
    if (!next) return { changed: false, rounds: round, requests, revisionId: cfg.RevisionId };
    try {
      const out = await withRetry(
        (abortSignal) => {
          requests++;
          return lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: functionName,
              RevisionId: cfg.RevisionId,
              Environment: { Variables: next },
            }),
            { abortSignal },
          );
        },
        {
          deadline,
          retryable: (e) => !CONFLICTS.has(errorInfo(e).name) && isRetryable(e),
          onRetry: (e, a) => onRetry?.('UpdateFunctionConfiguration', e, a),
        },
      );
      return { changed: true, rounds: round, requests, revisionId: out.RevisionId };
    } catch (e) {
      if (!CONFLICTS.has(errorInfo(e).name) || round === MAX_CONFLICT_ROUNDS) throw e;
      onRetry?.('UpdateFunctionConfiguration', e, round);
      const delay = Math.random() * Math.min(400, 25 * 2 ** round);
      if (Date.now() + delay >= deadline) throw e;
      await sleep(delay);
    }
  }
  throw new Error('unreachable');
}

export function setQuarantine(info: QuarantineInfo): Edit {
  return (vars) => (vars[QUARANTINE_VAR] ? undefined : { ...vars, [QUARANTINE_VAR]: JSON.stringify(info) });
}

export function removeQuarantine(): Edit {
  return (vars) => {
    if (!(QUARANTINE_VAR in vars)) return undefined;
    const { [QUARANTINE_VAR]: _removed, ...rest } = vars;
    return rest;
  };
}

/** Terminate's control-plane half: no new invocations anywhere (reserved concurrency 0). */
export async function blockConcurrency(
  lambda: LambdaClient,
  functionName: string,
  deadline: number,
  onRetry?: (e: unknown, attempt: number) => void,
): Promise<number> {
  const { PutFunctionConcurrencyCommand } =
    require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  let requests = 0;
  await withRetry(
    (abortSignal) => {
      requests++;
      return lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: 0 }),
        { abortSignal },
      );
    },
    { deadline, onRetry },
  );
  return requests;
}

/**
 * Release's half: remove the reserved-concurrency limit of 0 that terminate set. Any other value was set by
 * the user and is left alone. Returns the value found (undefined = no limit).
 */
export async function unblockConcurrency(
  lambda: LambdaClient,
  functionName: string,
  deadline: number,
): Promise<number | undefined> {
  const { DeleteFunctionConcurrencyCommand, GetFunctionConcurrencyCommand } =
    require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  const cur = await withRetry(
    (abortSignal) => lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }), { abortSignal }),
    { deadline },
  );
  if (cur.ReservedConcurrentExecutions !== 0) return cur.ReservedConcurrentExecutions;
  await withRetry(
    (abortSignal) => lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName }), { abortSignal }),
    { deadline },
  );
  return 0;
}
