/**
 * `sentinel release --function F [--table T] [--by NAME]`: undoes quarantine and terminate for a function —
 * removes SENTINEL_QUARANTINE (read–merge–write with RevisionId, the other variables kept) and the reserved
 * concurrency of 0 — and records who released it (an audit item in the incident table and a log line).
 * Uses the same variables and endpoints as the extension (AWS_REGION, AWS_ENDPOINT_URL_*, SENTINEL_INCIDENT_TABLE).
 */
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { createAwsClients, errorInfo } from '../../../extension/src/record/aws';
import { toItem } from '../../../extension/src/record/incidents';
import type { AuditRecord } from '../../../extension/src/record/types';
import { editEnvironment, removeQuarantine, unblockConcurrency } from '../../../extension/src/respond/quarantine';

export const summary = 'remove the quarantine and the concurrency limit of 0 from a function, and record who did it';
export const usage = 'sentinel release --function NAME [--table TABLE] [--by WHO] [--region REGION]';

function actor(env: NodeJS.ProcessEnv, by?: string): string {
  if (by) return by;
  if (env.USER) return env.USER;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function runRelease(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = console.log,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      function: { type: 'string' },
      table: { type: 'string' },
      by: { type: 'string' },
      region: { type: 'string' },
    },
    strict: true,
  });
  const fn = values.function;
  if (!fn) {
    out(`usage: ${usage}`);
    return 2;
  }
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const table = values.table ?? env.SENTINEL_INCIDENT_TABLE;
  const who = actor(env, values.by);
  const clients = createAwsClients(region);
  const deadline = Date.now() + 20_000;
  const done: string[] = [];
  let failed = false;
  try {
    const r = await editEnvironment(clients.lambda(), fn, removeQuarantine(), deadline);
    done.push(
      r.changed ? `SENTINEL_QUARANTINE removed (revision ${r.revisionId ?? '?'})` : 'no SENTINEL_QUARANTINE was set',
    );
  } catch (e) {
    failed = true;
    done.push(`quarantine NOT removed: ${errorInfo(e).name}: ${errorInfo(e).message}`);
  }
  try {
    const found = await unblockConcurrency(clients.lambda(), fn, deadline);
    done.push(
      found === 0
        ? 'reserved concurrency limit of 0 removed'
        : found === undefined
          ? 'no reserved concurrency limit'
          : `reserved concurrency ${found} left as set by the user`,
    );
  } catch (e) {
    failed = true;
    done.push(`concurrency limit NOT removed: ${errorInfo(e).name}: ${errorInfo(e).message}`);
  }
  const audit: AuditRecord = {
    type: 'audit',
    id: randomUUID(),
    function: fn,
    action: 'release',
    actor: who,
    detail: done.join('; '),
    createdAt: new Date().toISOString(),
  };
  if (table) {
    try {
      const { PutCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
      const ttlDays = Number(env.SENTINEL_INCIDENT_TTL_DAYS) || 90;
      await clients.ddb().send(new PutCommand({ TableName: table, Item: toItem(audit, ttlDays) }));
      done.push(`audit record ${audit.id} stored in ${table}`);
    } catch (e) {
      failed = true;
      done.push(`audit record NOT stored: ${errorInfo(e).name}`);
    }
  } else done.push('no incident table (--table or SENTINEL_INCIDENT_TABLE): audit only in this log');
  process.stderr.write(
    `${JSON.stringify({ evt: 'action', action: { ...audit, type: 'release', status: failed ? 'failed' : 'ok' } })}\n`,
  );
  out(`${failed ? 'release incomplete' : 'released'} ${fn} (by ${who}):\n  - ${done.join('\n  - ')}`);
  return failed ? 1 : 0;
}

export const run = runRelease;
