/**
 * `sentinel test-alert`: sends one test alert through the configured channels (SENTINEL_SNS_TOPIC_ARN,
 * SENTINEL_SLACK_WEBHOOK_URL) with the extension's own alert code, and reports each channel's result.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { parseConfig } from '../../../protocol/config';
import { createAwsClients } from '../../../extension/src/record/aws';
import type { Incident } from '../../../extension/src/record/types';
import { AlertDispatcher, type AlertOutcome } from '../../../extension/src/respond/alerts';

export const summary = 'send a test alert through the configured channels (SNS topic, Slack webhook)';
export const usage = 'sentinel test-alert [--function NAME] [--region REGION]';

export async function runTestAlert(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = console.log,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { function: { type: 'string' }, region: { type: 'string' } },
    strict: true,
  });
  const { config } = parseConfig(env);
  if (!config.snsTopicArn && !config.slackWebhookUrl) {
    out('no alert channel configured: set SENTINEL_SNS_TOPIC_ARN and/or SENTINEL_SLACK_WEBHOOK_URL');
    return 2;
  }
  const clients = createAwsClients(values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1');
  const now = new Date().toISOString();
  const fn = values.function ?? env.AWS_LAMBDA_FUNCTION_NAME ?? 'sentinel-test';
  const incident: Incident = {
    type: 'incident',
    id: randomUUID(),
    function: fn,
    version: '$LATEST',
    environmentId: 'cli',
    rule: 'test-alert',
    ruleTitle: 'Test alert',
    match: 'finding',
    severity: 'info',
    category: 'configuration',
    title: 'Sentinel test alert: the alert channels work',
    alsoMatched: [],
    findingCount: 0,
    findings: [],
    responseMode: config.response,
    actions: [],
    createdAt: now,
    updatedAt: now,
  };
  let outcome: AlertOutcome | undefined;
  const log = pino({ level: 'warn' }, process.stderr);
  const alerts = new AlertDispatcher(
    {
      ...(config.snsTopicArn ? { sns: { client: clients.sns, topicArn: config.snsTopicArn } } : {}),
      ...(config.slackWebhookUrl ? { slackUrl: config.slackWebhookUrl } : {}),
    },
    log,
    (_ids, o) => {
      outcome = o;
    },
    { mergeWindowMs: 0, coalesceMs: 0, sendBudgetMs: 10_000 },
  );
  alerts.request(incident);
  await alerts.flush(Date.now() + 10_000);
  out(`test alert ${incident.id}: ${outcome?.status ?? 'not sent'} — ${outcome?.detail ?? ''}`);
  return outcome?.status === 'ok' ? 0 : 1;
}

export const run = runTestAlert;
