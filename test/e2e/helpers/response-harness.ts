/**
 * Harness for the responder's integration tests and bench: a real Responder (real AWS SDK clients) wired to
 * the local AWS stand-ins, with a captured pino log and recorded agent/reset calls.
 */
import { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pino from 'pino';
import type { PipelineContext, Responder } from '../../../extension/src/pipeline';
import { createResponder, type ResponderOverrides } from '../../../extension/src/respond';
import { parseConfig } from '../../../protocol/config';
import type { AwsStack } from '../../../scripts/sandbox/aws';

export interface LogLine {
  evt?: string;
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface Harness {
  responder: Responder;
  ctx: PipelineContext;
  logs: LogLine[];
  agentMessages: unknown[];
  resets: string[];
  byEvt(evt: string): LogLine[];
}

/** Points the SDK (and anything else in this process) at the stand-ins through the standard variables only. */
export function useStackEnv(stack: AwsStack): void {
  Object.assign(process.env, stack.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
}

export { createIncidentTable } from '../../../scripts/sandbox/aws/incident-table';

export function docClient(stack: AwsStack): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region: stack.region, endpoint: stack.endpoints.dynamodb }));
}

export function makeHarness(
  opts: {
    functionName: string;
    env: Record<string, string>;
    environmentId?: string;
    region?: string;
    agentConnected?: boolean;
  } & ResponderOverrides,
): Harness {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const log = pino({ level: 'trace', base: undefined }, sink);
  const { config } = parseConfig(opts.env);
  const agentMessages: unknown[] = [];
  const resets: string[] = [];
  const ctx: PipelineContext = {
    config,
    log,
    functionName: opts.functionName,
    functionVersion: '$LATEST',
    region: opts.region ?? 'us-east-1',
    environmentId: opts.environmentId ?? 'env-1',
    sendToAgent(msg) {
      agentMessages.push(msg);
      return opts.agentConnected ?? true;
    },
    async resetEnvironment(reason) {
      resets.push(reason);
    },
  };
  const responder = createResponder(ctx, opts);
  return { responder, ctx, logs, agentMessages, resets, byEvt: (evt) => logs.filter((l) => l.evt === evt) };
}
