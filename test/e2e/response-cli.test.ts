/**
 * The operator commands as a user runs them (`npx sentinel …` = the built CLI bundle in a child process),
 * against the local AWS stand-ins reached only through the standard variables.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { makeFinding } from '../../extension/src/correlate/testing';
import { type AwsStack, startAwsStack } from '../../scripts/sandbox/aws';
import { createIncidentTable, makeHarness, useStackEnv } from './helpers/response-harness';

const run = promisify(execFile);
const CLI = path.join(__dirname, '..', '..', 'build', 'cli', 'sentinel.cjs');
const TABLE = 'cli-incidents';
let stack: AwsStack;
let topicArn: string;

beforeAll(async () => {
  stack = await startAwsStack();
  useStackEnv(stack);
  await createIncidentTable(stack, TABLE);
  ({ topicArn } = await stack.createTopicWithQueue('cli-alerts', 'cli-inbox'));
}, 30_000);

afterAll(async () => {
  await stack?.stop();
});

async function sentinel(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        ...stack.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...extraEnv,
      },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('sentinel incidents / release / test-alert', () => {
  it('lists incidents with a Query, then release restores the function and shows up as an audit record', async () => {
    const fn = 'cli-fn';
    stack.lambda.ensureFunction(fn, { USER_VAR: 'x' });
    const h = makeHarness({ functionName: fn, env: { SENTINEL_INCIDENT_TABLE: TABLE } });
    h.responder.onFinding(makeFinding({ category: 'code_injection', severity: 'high', requestId: 'r1' }));
    await h.responder.shutdown(Date.now() + 2000);
    expect(stack.lambda.getFunction(fn)!.environment.SENTINEL_QUARANTINE).toBeDefined();

    const listed = await sentinel(['incidents', '--function', fn, '--since', '1h', '--table', TABLE, '--json']);
    expect(listed.code).toBe(0);
    const items = JSON.parse(listed.stdout);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ rule: 'injection-high', function: fn, severity: 'high' });
    const ops = stack
      .calls()
      .filter((c) => c.service === 'dynamodb')
      .map((c) => c.operation);
    expect(ops).toContain('Query');
    expect(ops).not.toContain('Scan');

    const released = await sentinel(['release', '--function', fn], { SENTINEL_INCIDENT_TABLE: TABLE, USER: 'bob' });
    expect(released.code).toBe(0);
    expect(released.stdout).toMatch(/released cli-fn \(by bob\)/);
    expect(released.stderr).toContain('"evt":"action"');
    expect(stack.lambda.getFunction(fn)!.environment).toEqual({ USER_VAR: 'x' });

    const text = await sentinel(['incidents', '--function', fn, '--table', TABLE]);
    expect(text.stdout).toMatch(/2 record\(s\)/);
    expect(text.stdout).toMatch(/AUDIT\s+release by bob/);
  });

  it('test-alert sends through SNS and Slack, and fails clearly without a channel', async () => {
    const ok = await sentinel(['test-alert', '--function', 'cli-alert-fn'], {
      SENTINEL_SNS_TOPIC_ARN: topicArn,
      SENTINEL_SLACK_WEBHOOK_URL: stack.slackWebhookUrl,
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/: ok — sns: sent .*slack: sent|: ok — slack: sent.*sns: sent/);
    expect(stack.slackMessages().some((m) => JSON.stringify(m).includes('cli-alert-fn'))).toBe(true);
    expect(stack.calls().some((c) => c.service === 'sns' && c.operation === 'Publish')).toBe(true);
    expect(ok.stdout + ok.stderr).not.toContain(stack.slackWebhookUrl);

    const none = await sentinel(['test-alert']);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/no alert channel configured/);
  });

  it('rejects bad input with usage and exit code 2', async () => {
    const r = await sentinel(['incidents', '--function', 'f', '--table', TABLE, '--since', 'yesterday-ish']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/bad --since/);
  });
});
