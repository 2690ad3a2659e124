/**
 * Posture and integrity, extension side, end to end: the built layer in the sandbox (agent attached through the
 * exec wrapper), the incident table on the local DynamoDB stand-in shared by several environments of one function.
 * - a plaintext token in the function's environment → a posture finding; no 6-character piece of the token
 *   appears anywhere in the environment's report (logs of the function and the extension, findings, telemetry);
 * - a handler file modified between two cold starts → a critical integrity finding naming the file;
 * - a Sentinel layer file modified after the build → a critical finding naming it; a malformed manifest → one
 *   clear finding, invocations still served, the extension exits 0.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Finding } from '../../protocol/finding';
import { availableRuntimes } from '../../scripts/lib/runtimes';
import { type AwsStack, startAwsStack } from '../../scripts/sandbox/aws';
import type { EnvironmentReport } from '../../scripts/sandbox/emulator';
import { agentLayer } from './helpers/agent-sandbox';
import { createIncidentTable, docClient, useStackEnv } from './helpers/response-harness';
import { FUNCTIONS, testEnvironment } from './helpers/sandbox';

jest.setTimeout(90_000);

const TABLE = 'sentinel-posture';
type Rec = Record<string, unknown>;
let stack: AwsStack;
let layer: ReturnType<typeof agentLayer>;
const cleanups: (() => void)[] = [];
let seq = 0;

beforeAll(async () => {
  stack = await startAwsStack();
  useStackEnv(stack);
  await createIncidentTable(stack, TABLE);
  layer = agentLayer();
}, 30_000);

afterAll(async () => {
  for (const c of cleanups) c();
  layer?.cleanup();
  await stack?.stop();
});

function codeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'posture-code-'));
  cpSync(join(FUNCTIONS, 'echo'), dir, { recursive: true });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function layerCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'posture-layer-'));
  cpSync(layer.dir, dir, { recursive: true });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sentinelRecords = (r: EnvironmentReport): Rec[] =>
  r.extensionLogs
    .filter((l) => l.extension === 'sentinel' && l.line.startsWith('{'))
    .map((l) => JSON.parse(l.line) as Rec);
const postureOf = (r: EnvironmentReport) =>
  sentinelRecords(r).find((l) => l.evt === 'posture')?.posture as Rec & { integrity: Rec; env: Rec };

/** One cold start, `n` invocations, SHUTDOWN; the report. */
async function run(o: {
  functionName: string;
  codeDir?: string;
  layerDir?: string;
  env?: Record<string, string>;
  table?: boolean;
  node?: string;
}): Promise<EnvironmentReport> {
  const env = await testEnvironment({
    functionName: o.functionName,
    ...(o.node ? { node: o.node } : {}),
    codeDir: o.codeDir ?? codeCopy(),
    layerDir: o.layerDir ?? layer.dir,
    handler: 'index.handler',
    aws: stack,
    env: {
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper',
      SENTINEL_RESPONSE: 'dry-run',
      ...(o.table === false ? {} : { SENTINEL_INCIDENT_TABLE: TABLE }),
      ...o.env,
    },
  });
  try {
    for (let i = 0; i < 2; i++) expect((await env.invoke({ i })).statusCode).toBe(200);
    return await env.shutdown();
  } finally {
    await env.dispose();
  }
}

const fnName = () => `posture-fn-${++seq}-${Date.now().toString(36)}`;

test.each(availableRuntimes())(
  'Node $major: a plaintext token in the environment: a posture finding, and no piece of the token anywhere in the report',
  async ({ node }) => {
    const token = `ghp_${randomBytes(27)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, 'x')
      .slice(0, 36)}`;
    const report = await run({ functionName: fnName(), node, env: { GITHUB_TOKEN: token, DB_HOST: 'db.internal' } });
    const findings = report.findings as Finding[];
    const secret = findings.filter((f) => f.category === 'posture' && f.kind === 'plaintext_secret');
    expect(secret).toHaveLength(1);
    expect(secret[0]).toMatchObject({ severity: 'medium', source: 'extension' });
    expect(secret[0].details).toMatchObject({
      variable: 'GITHUB_TOKEN',
      secretKind: 'github_token',
      hashScope: 'function',
    });
    expect(secret[0].details?.hash).toMatch(/^[0-9a-f]{12}$/);
    const posture = postureOf(report);
    expect(posture.env).toMatchObject({ secrets: 1, byKind: { github_token: 1 } });
    // The whole report: function and extension logs (posture record, metrics, selfcheck), findings, incidents,
    // platform events and telemetry.
    const text = JSON.stringify(report);
    for (let i = 0; i + 6 <= token.length; i++) expect(text).not.toContain(token.slice(i, i + 6));
  },
);

test('a handler file modified between two cold starts is a critical integrity finding naming the file', async () => {
  const functionName = fnName();
  const code = codeCopy();
  // Deployed an hour ago and never since (settled code, same CodeSha256 throughout): a file change is tampering.
  stack.lambda.ensureFunction(functionName, {
    AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper',
    SENTINEL_RESPONSE: 'dry-run',
    SENTINEL_INCIDENT_TABLE: TABLE,
  });
  stack.lambda.backdate(functionName, 3_600_000);
  const first = await run({ functionName, codeDir: code });
  const p1 = postureOf(first);
  expect(p1.integrity).toMatchObject({ status: 'ok', task: { root: code, files: 1, baseline: 'created' } });
  expect((first.findings as Finding[]).filter((f) => f.category === 'integrity')).toEqual([]);
  // Costs are part of the record.
  expect(p1.integrity.task).toEqual(expect.objectContaining({ bytes: expect.any(Number), ms: expect.any(Number) }));

  appendFileSync(join(code, 'index.mjs'), '\nexport const backdoor = () => process.env;\n');
  const second = await run({ functionName, codeDir: code });
  const integrity = (second.findings as Finding[]).filter((f) => f.category === 'integrity');
  expect(integrity).toEqual([
    expect.objectContaining({
      kind: 'code_modified',
      severity: 'critical',
      details: expect.objectContaining({ root: 'task', path: 'index.mjs', against: 'baseline' }),
    }),
  ]);
  expect(integrity[0].details?.old).not.toBe(integrity[0].details?.new);
  expect(postureOf(second).integrity).toMatchObject({ status: 'violation', task: { baseline: 'replaced' } });
  // The runtime-integrity rule opened a critical incident (dry-run: actions recorded, not taken).
  expect(second.incidents).toEqual([expect.objectContaining({ rule: 'runtime-integrity', severity: 'critical' })]);

  // Baseline and posture records are in the table under the function's posture partition (Query, no Scan).
  const items = await docClient(stack).send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `POSTURE#${functionName}#$LATEST` },
    }),
  );
  const sks = (items.Items ?? []).map((i) => String(i.sk));
  expect(sks.filter((s) => s.startsWith('BASE#task#'))).toEqual(['BASE#task#0000']);
  expect(sks.filter((s) => s.startsWith('REC#'))).toHaveLength(2);

  // $LATEST: the new code became the baseline; a third cold start of the same code is clean.
  const third = await run({ functionName, codeDir: code });
  expect((third.findings as Finding[]).filter((f) => f.category === 'integrity')).toEqual([]);
  expect(postureOf(third).integrity).toMatchObject({ task: { baseline: 'match' } });
});

test('a Sentinel layer file modified after the build is a critical finding naming it', async () => {
  const dir = layerCopy();
  appendFileSync(join(dir, 'sentinel', 'agent-lazy.cjs'), '\n// modified after the build\n');
  const report = await run({ functionName: fnName(), layerDir: dir, table: false });
  const integrity = (report.findings as Finding[]).filter((f) => f.category === 'integrity');
  expect(integrity).toEqual([
    expect.objectContaining({
      kind: 'layer_modified',
      severity: 'critical',
      details: expect.objectContaining({ path: 'sentinel/agent-lazy.cjs' }),
    }),
  ]);
  expect(postureOf(report).integrity).toMatchObject({ manifest: { state: 'mismatch', modified: 1 } });
});

test('a malformed manifest is one clear finding; invocations are served and the extension exits 0', async () => {
  const dir = layerCopy();
  writeFileSync(join(dir, 'sentinel', 'manifest.json'), '{"version":1,"algorithm":"sha256","files":{"x":42}}');
  const report = await run({ functionName: fnName(), layerDir: dir, table: false });
  const integrity = (report.findings as Finding[]).filter((f) => f.category === 'integrity');
  expect(integrity).toEqual([
    expect.objectContaining({
      kind: 'layer_manifest_invalid',
      details: expect.objectContaining({ state: 'malformed', reason: 'a hash is not 64 hex' }),
    }),
  ]);
  expect(report.extensions.find((e) => e.name === 'sentinel')).toMatchObject({ exitCode: 0 });
  expect(sentinelRecords(report).filter((l) => l.evt === 'internal_error')).toEqual([]);
});
