/**
 * The responder against the local AWS stand-ins with the real AWS SDK clients: incidents in DynamoDB, SNS alerts
 * read back from SQS, Slack messages, quarantine/terminate on the Lambda control-plane fake, fleet thresholds
 * across two environments, and `sentinel release`.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Finding } from '../../protocol/finding';
import { makeFinding } from '../../extension/src/correlate/testing';
import { queryIncidents, type StoredItem } from '../../extension/src/record/incidents';
import { runRelease } from '../../scripts/cli/commands/release';
import { type AwsStack, startAwsStack } from '../../scripts/sandbox/aws';
import { createIncidentTable, docClient, makeHarness, useStackEnv } from './helpers/response-harness';

const TABLE = 'sentinel-incidents';
let stack: AwsStack;
let topicArn: string;
let queueUrl: string;
let sqs: SQSClient;
let fnSeq = 0;

beforeAll(async () => {
  stack = await startAwsStack();
  useStackEnv(stack);
  await createIncidentTable(stack, TABLE);
  ({ topicArn, queueUrl } = await stack.createTopicWithQueue('sentinel-alerts', 'alerts-inbox'));
  sqs = new SQSClient({ region: stack.region });
}, 30_000);

afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
});

function newFunction(vars: Record<string, string> = { USER_SETTING: 'keep-me', DB_HOST: 'db.internal' }): string {
  const name = `fn-${++fnSeq}-${Date.now().toString(36)}`;
  stack.lambda.ensureFunction(name, vars);
  return name;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SENTINEL_INCIDENT_TABLE: TABLE,
    SENTINEL_SNS_TOPIC_ARN: topicArn,
    SENTINEL_SLACK_WEBHOOK_URL: stack.slackWebhookUrl,
    ...extra,
  };
}

async function incidentsOf(fn: string): Promise<StoredItem[]> {
  return queryIncidents(docClient(stack), TABLE, fn, '2000-01-01T00:00:00.000Z');
}

/** SNS envelopes (raw delivery off) waiting in the queue for one function; deletes what it read. */
async function snsMessagesFor(
  fn: string,
): Promise<{ Subject: string; Message: string; MessageAttributes: Record<string, { Value: string }> }[]> {
  const out: { Subject: string; Message: string; MessageAttributes: Record<string, { Value: string }> }[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: i === 0 ? 1 : 0 }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) break;
    for (const m of msgs) {
      const env = JSON.parse(m.Body ?? '{}');
      if (env.MessageAttributes?.function?.Value === fn) out.push(env);
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return out;
}

const slackFor = (fn: string) => stack.slackMessages().filter((m) => JSON.stringify(m).includes(fn));

describe('responder against the AWS stand-ins', () => {
  it('command-injection stream → one incident, one SNS alert with attributes, one Slack message, quarantine with user variables intact, agent told', async () => {
    const fn = newFunction();
    const h = makeHarness({ functionName: fn, env: env() });
    const findings: Finding[] = [
      makeFinding({
        category: 'command_injection',
        severity: 'high',
        requestId: 'req-a',
        input: { path: '$.body.cmd', value: '; cat /etc/passwd' },
      }),
      makeFinding({ category: 'command_injection', severity: 'high', requestId: 'req-a' }),
    ];
    for (const f of findings) h.responder.onFinding(f);
    await h.responder.beforeNext('req-a');

    const stored = await incidentsOf(fn);
    expect(stored).toHaveLength(1);
    const inc = stored[0];
    expect(inc).toMatchObject({
      type: 'incident',
      rule: 'injection-high',
      severity: 'high',
      category: 'command_injection',
      requestId: 'req-a',
      findingCount: 2,
      environmentId: 'env-1',
    });
    expect(inc.pk).toBe(`FN#${fn}`);
    expect(inc.sk).toMatch(new RegExp(`^INC#\\d{4}-.*#${inc.id}$`));
    expect(inc.ttl).toBeGreaterThan(Date.now() / 1000 + 89 * 86400);
    if (inc.type !== 'incident') throw new Error('not an incident');
    expect(Object.fromEntries(inc.actions.map((a) => [a.type, a.status]))).toEqual({ quarantine: 'ok', alert: 'ok' });

    const sns = await snsMessagesFor(fn);
    expect(sns).toHaveLength(1);
    expect(sns[0].Subject.length).toBeLessThanOrEqual(100);
    expect(sns[0].Subject).toContain('HIGH');
    expect(sns[0].MessageAttributes.severity.Value).toBe('high');
    expect(sns[0].MessageAttributes.category.Value).toBe('command_injection');
    expect(sns[0].Message).toContain('Findings (2)');
    expect(slackFor(fn)).toHaveLength(1);
    expect(JSON.stringify(slackFor(fn)[0])).toContain('"blocks"');

    const cfg = stack.lambda.getFunction(fn)!;
    expect(cfg.environment.USER_SETTING).toBe('keep-me');
    expect(cfg.environment.DB_HOST).toBe('db.internal');
    expect(JSON.parse(cfg.environment.SENTINEL_QUARANTINE)).toMatchObject({ incidentId: inc.id });
    expect(h.agentMessages).toEqual([{ t: 'quarantine', quarantine: expect.objectContaining({ incidentId: inc.id }) }]);

    // Logged for the sandbox report, without the webhook secret.
    expect(h.byEvt('incident')).toHaveLength(1);
    expect(
      h
        .byEvt('action')
        .map((l) => (l.action as { type: string }).type)
        .sort(),
    ).toEqual(['alert', 'quarantine']);
    expect(JSON.stringify(h.logs)).not.toContain(stack.slackWebhookUrl);
    await h.responder.shutdown(Date.now() + 1500);
  });

  it('critical integrity finding → reserved concurrency 0, then the environment is reset (after the incident is stored)', async () => {
    const fn = newFunction();
    const h = makeHarness({ functionName: fn, env: env() });
    h.responder.onFinding(
      makeFinding({ category: 'integrity', kind: 'runtime_api_access', severity: 'high', requestId: 'req-b' }),
    );
    await h.responder.beforeNext('req-b');
    expect(stack.lambda.getFunction(fn)!.reservedConcurrency).toBe(0);
    expect(h.resets).toHaveLength(1);
    expect(h.resets[0]).toMatch(/Runtime integrity violation/);
    const [inc] = await incidentsOf(fn);
    expect(inc).toMatchObject({ rule: 'runtime-integrity', severity: 'critical' });
    const calls = stack.calls().filter((c) => c.service === 'lambda' && JSON.stringify(c.request).includes(fn));
    expect(calls.map((c) => c.operation)).toContain('PutFunctionConcurrency');
    await h.responder.shutdown(Date.now() + 1500);
  });

  it('a third injection finding escalates to terminate (critical)', async () => {
    const fn = newFunction();
    const h = makeHarness({ functionName: fn, env: env() });
    for (let i = 0; i < 3; i++)
      h.responder.onFinding(makeFinding({ category: 'code_injection', severity: 'medium', requestId: `r${i}` }));
    await h.responder.beforeNext('r2');
    const incs = await incidentsOf(fn);
    expect(incs.map((i) => i.type === 'incident' && i.rule)).toEqual(['escalation-injection-burst']);
    expect(stack.lambda.getFunction(fn)!.reservedConcurrency).toBe(0);
    await h.responder.shutdown(Date.now() + 1500);
  });

  it('dry-run records what would be done and touches nothing', async () => {
    const fn = newFunction();
    const h = makeHarness({ functionName: fn, env: env({ SENTINEL_RESPONSE: 'dry-run' }) });
    h.responder.onFinding(makeFinding({ category: 'code_injection', severity: 'critical', requestId: 'r' }));
    await h.responder.beforeNext('r');
    const [inc] = await incidentsOf(fn);
    if (inc.type !== 'incident') throw new Error('not an incident');
    expect(inc.actions.map((a) => [a.type, a.status])).toEqual([
      ['terminate', 'dry-run'],
      ['alert', 'dry-run'],
    ]);
    expect(stack.lambda.getFunction(fn)!.reservedConcurrency).toBeUndefined();
    expect(h.resets).toEqual([]);
    expect(slackFor(fn)).toEqual([]);
    await h.responder.shutdown(Date.now() + 1500);
  });

  it('`sentinel release` removes the quarantine (keeping the other variables) and the concurrency limit, and records who did it', async () => {
    const fn = newFunction({ KEEP: '1' });
    const h = makeHarness({ functionName: fn, env: env() });
    h.responder.onFinding(makeFinding({ category: 'path_traversal', severity: 'high', requestId: 'r' }));
    h.responder.onFinding(
      makeFinding({ category: 'integrity', kind: 'hook_tampering', severity: 'high', requestId: 'r' }),
    );
    await h.responder.beforeNext('r');
    expect(stack.lambda.getFunction(fn)!.environment.SENTINEL_QUARANTINE).toBeDefined();
    expect(stack.lambda.getFunction(fn)!.reservedConcurrency).toBe(0);
    await h.responder.shutdown(Date.now() + 1500);

    const out: string[] = [];
    const code = await runRelease(['--function', fn, '--table', TABLE], { ...process.env, USER: 'alice' }, (s) =>
      out.push(s),
    );
    expect(code).toBe(0);
    const cfg = stack.lambda.getFunction(fn)!;
    expect(cfg.environment).toEqual({ KEEP: '1' });
    expect(cfg.reservedConcurrency).toBeUndefined();
    const audit = (await incidentsOf(fn)).find((i) => i.type === 'audit');
    expect(audit).toMatchObject({ action: 'release', actor: 'alice' });
    expect(out.join('\n')).toMatch(/released/);
  });

  it('two environments of one function reach a fleet threshold neither reaches alone', async () => {
    const fn = newFunction();
    const rules = JSON.stringify([
      {
        id: 'ssrf-fleet',
        title: 'SSRF across the fleet',
        when: { category: 'ssrf' },
        threshold: { count: 4, windowSeconds: 60, scope: 'fleet' },
        severity: 'high',
        actions: ['monitor'],
      },
    ]);
    const a = makeHarness({ functionName: fn, env: env({ SENTINEL_RULES: rules }), environmentId: 'env-A' });
    const b = makeHarness({ functionName: fn, env: env({ SENTINEL_RULES: rules }), environmentId: 'env-B' });
    const ssrf = (req: string) => makeFinding({ category: 'ssrf', severity: 'medium', requestId: req });
    a.responder.onFinding(ssrf('a1'));
    a.responder.onFinding(ssrf('a1'));
    await a.responder.beforeNext('a1');
    expect(await incidentsOf(fn)).toEqual([]); // 2 of 4: nothing yet
    b.responder.onFinding(ssrf('b1'));
    await b.responder.beforeNext('b1');
    expect(await incidentsOf(fn)).toEqual([]); // 3 of 4
    b.responder.onFinding(ssrf('b1'));
    await b.responder.beforeNext('b1');
    const incs = await incidentsOf(fn);
    expect(incs).toHaveLength(1);
    expect(incs[0]).toMatchObject({ rule: 'ssrf-fleet', match: 'fleet_threshold', count: 4, environmentId: 'env-B' });
    // Each environment saw only two findings: locally the rule never fired.
    expect(a.byEvt('incident')).toEqual([]);
    await Promise.all([a.responder.shutdown(Date.now() + 1500), b.responder.shutdown(Date.now() + 1500)]);
  });

  it('SENTINEL_METRICS=api sends findings, incidents and actions with PutMetricData at shutdown', async () => {
    const fn = newFunction();
    const h = makeHarness({ functionName: fn, env: env({ SENTINEL_METRICS: 'api', SENTINEL_RESPONSE: 'off' }) });
    h.responder.onFinding(makeFinding({ category: 'path_traversal', severity: 'medium', requestId: 'm1' }));
    await h.responder.beforeNext('m1');
    expect(h.byEvt('metrics')).toEqual([]); // no EMF lines in api mode
    await h.responder.shutdown(Date.now() + 1500);
    const data = JSON.stringify(stack.metricData());
    expect(data).toContain(fn);
    for (const name of ['Findings', 'Incidents', 'Actions']) expect(data).toContain(name);
  });

  it('resource abuse from the invocation summary (timeout) → quarantine + alert', async () => {
    const fn = newFunction();
    const h = makeHarness({ functionName: fn, env: env() });
    h.responder.onInvocation({ requestId: 'rt', status: 'timeout', durationMs: 3000 });
    await h.responder.beforeNext('rt');
    const [inc] = await incidentsOf(fn);
    expect(inc).toMatchObject({ rule: 'resource-abuse', category: 'resource_abuse', severity: 'high' });
    expect(stack.lambda.getFunction(fn)!.environment.SENTINEL_QUARANTINE).toBeDefined();
    await h.responder.shutdown(Date.now() + 1500);
  });
});
