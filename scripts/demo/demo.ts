/**
 * The two-command demo (`make demo`): the built layer in the local Lambda sandbox with the local AWS stand-ins,
 * protecting a small vulnerable function (scripts/demo/function). In order: a benign request succeeds; a path
 * traversal is detected and blocked; the incident is read back from DynamoDB (Query); the alert is read back from
 * SNS (through the subscribed SQS queue) and from the Slack receiver; the function is quarantined (SENTINEL_QUARANTINE
 * in its configuration) and requests are refused, also by a fresh execution environment; `sentinel release` (the
 * real CLI in a child process) restores it and a request succeeds again. Every step is checked; the first failure
 * stops the demo.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../protocol/finding';
import { type AwsStack, startAwsStack } from '../sandbox/aws';
import {
  collectStructuredRecords,
  createFunctionEnvironment,
  type EnvironmentReport,
  type FunctionEnvironment,
  type InvocationResult,
  repoRoot,
} from '../sandbox/emulator';
import {
  createIncidentTable,
  queryFunctionItems,
  receiveSnsMessages,
  type SnsEnvelope,
  slackText,
  type TableItem,
  waitFor,
} from './aws';
import { StepFailed, type StepRecord, Timeline } from './timeline';

export const FUNCTION_NAME = 'reports-api';
export const TABLE = 'sentinel-incidents';
const TOPIC = 'sentinel-alerts';
const QUEUE = 'security-inbox';
const BENIGN_NAME = 'q3-summary.txt';
const ATTACK_NAME = '../../../../../../../../etc/passwd';
/** How long read-backs wait for the extension's asynchronous work (alerts, table writes). */
const READBACK_MS = 8_000;
const AGENT_CONNECT_MS = 5_000;

export interface HttpExchange {
  label: string;
  request: string;
  status: number | string;
  body: string;
  environment: string;
}

export interface ActionEntry {
  source: 'extension' | 'cli';
  type: string;
  status: string;
  detail: string;
  incidentId?: string;
  durationMs?: number;
}

export interface DemoResult {
  ok: boolean;
  startedAt: string;
  durationMs: number;
  functionName: string;
  table: string;
  node: string;
  steps: StepRecord[];
  exchanges: HttpExchange[];
  /** Findings the extension logged (severity ≥ low), across every execution environment of the demo. */
  findings: Finding[];
  /** What the incident table holds for the function at the end (incidents and the release audit record). */
  tableItems: TableItem[];
  alerts: { sns: { subject: string; message: string }[]; slack: string[] };
  actions: ActionEntry[];
  quarantine?: Record<string, unknown>;
  releaseOutput?: string;
  /** The sandbox's report of every execution environment (logs, platform events), for troubleshooting. */
  environments: EnvironmentReport[];
}

export interface DemoOptions {
  /** Where console lines go (default: stdout). */
  print?: (line: string) => void;
  /** Node binary of the emulated runtime (default: this one). */
  node?: string;
}

const request = (name: string) => ({
  version: '2.0',
  routeKey: 'GET /reports',
  rawPath: '/reports',
  rawQueryString: `name=${encodeURIComponent(name)}`,
  queryStringParameters: { name },
  headers: { host: 'reports.example.com', 'user-agent': 'sentinel-demo/1.0' },
  requestContext: {
    accountId: '000000000000',
    apiId: 'demoapi',
    domainName: 'reports.example.com',
    http: {
      method: 'GET',
      path: '/reports',
      protocol: 'HTTP/1.1',
      sourceIp: '203.0.113.7',
      userAgent: 'sentinel-demo/1.0',
    },
    requestId: `req-${Math.random().toString(36).slice(2, 10)}`,
    routeKey: 'GET /reports',
    stage: '$default',
    time: new Date().toUTCString(),
    timeEpoch: Date.now(),
  },
  isBase64Encoded: false,
});

interface HttpResponse {
  statusCode?: number;
  body?: string;
}

function httpOf(r: InvocationResult): { status: number | string; body: string } {
  if (r.error) return { status: r.error.errorType, body: r.error.errorMessage };
  if (r.statusCode !== 200) return { status: `invoke ${r.statusCode}`, body: JSON.stringify(r.response ?? '') };
  const res = (r.response ?? {}) as HttpResponse;
  return { status: res.statusCode ?? 200, body: typeof res.body === 'string' ? res.body : JSON.stringify(r.response) };
}

const oneLine = (s: string, max = 120) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Configuration values the report may show: secrets (the Slack webhook, credentials) are masked. */
export function maskConfig(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    out[k] = /WEBHOOK|SECRET|TOKEN|PASSWORD|ACCESS_KEY/i.test(k) ? '[hidden]' : v;
  return out;
}

function extensionRecords(reports: EnvironmentReport[]): { findings: Finding[]; actions: ActionEntry[] } {
  const findings: Finding[] = [];
  const actions: ActionEntry[] = [];
  for (const r of reports) {
    const rec = collectStructuredRecords(r.extensionLogs);
    for (const f of rec.findings as Finding[]) if (f.severity !== 'info') findings.push(f);
    for (const a of rec.actions as Record<string, unknown>[])
      actions.push({
        source: 'extension',
        type: String(a.type),
        status: String(a.status),
        detail: String(a.detail ?? (a.error as { message?: string } | undefined)?.message ?? ''),
        incidentId: typeof a.incidentId === 'string' ? a.incidentId : undefined,
        durationMs: typeof a.durationMs === 'number' ? a.durationMs : undefined,
      });
  }
  return { findings, actions };
}

/** Runs `npx sentinel …` the way a user does: the repository's bin script in a child process. */
function sentinelCli(
  root: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'scripts', 'bin', 'sentinel.cjs'), ...args],
      { env, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const root = repoRoot();
  const tl = new Timeline(print);
  const result: DemoResult = {
    ok: false,
    startedAt: tl.startedAt.toISOString(),
    durationMs: 0,
    functionName: FUNCTION_NAME,
    table: TABLE,
    node: opts.node ?? process.execPath,
    steps: tl.steps,
    exchanges: [],
    findings: [],
    tableItems: [],
    alerts: { sns: [], slack: [] },
    actions: [],
    environments: [],
  };
  let stack: AwsStack | undefined;
  let layerDir: string | undefined;
  const envs: FunctionEnvironment[] = [];
  const reports: EnvironmentReport[] = [];
  let queueUrl = '';
  let envSeq = 0;

  const startEnvironment = async () => {
    const env = await createFunctionEnvironment({
      codeDir: join(root, 'scripts', 'demo', 'function'),
      handler: 'index.handler',
      layerDir,
      functionName: FUNCTION_NAME,
      aws: stack,
      node: opts.node,
      timeoutMs: 5_000,
    });
    envs.push(env);
    const name = `environment ${++envSeq}`;
    const init = await env.init();
    if (init.status !== 'success') throw new StepFailed(`${name}: init ${init.status}: ${init.errorMessage ?? ''}`);
    // The agent connects to the extension's findings channel asynchronously from its preload. On a loaded machine
    // that can finish after the first invocation, and the extension then judges it "agent silent" (a known race in
    // the extension's heartbeat check); the demo lets the connection finish before its first request.
    const t0 = performance.now();
    const connected = await waitFor(
      () =>
        env
          .report()
          .extensionLogs.some((l) => l.line.includes('"evt":"channel"') && l.line.includes('"state":"connected"')) ||
        undefined,
      AGENT_CONNECT_MS,
    );
    if (!connected)
      throw new StepFailed(`${name}: the agent did not connect to the extension within ${AGENT_CONNECT_MS} ms`);
    return { env, name, init, agentWaitMs: performance.now() - t0 };
  };
  const stopEnvironment = async (env: FunctionEnvironment) => {
    reports.push(await env.shutdown());
    await env.dispose();
    envs.splice(envs.indexOf(env), 1);
  };
  const call = async (env: FunctionEnvironment, envName: string, label: string, name: string) => {
    const r = await env.invoke(request(name));
    const { status, body } = httpOf(r);
    const ex: HttpExchange = { label, request: `GET /reports?name=${name}`, status, body, environment: envName };
    result.exchanges.push(ex);
    return { ex, r };
  };
  const currentFindings = (env: FunctionEnvironment) => extensionRecords([...reports, env.report()]).findings;
  /** The function's own access-log lines so far: proof of whether the handler ran. */
  const handlerRuns = (env: FunctionEnvironment) =>
    env.report().functionLogs.filter((l) => l.line.includes('reports: request for')).length;
  const refused = (ex: HttpExchange) => ex.status === 503 && ex.body.includes('quarantined by Sentinel');

  try {
    print(`Sentinel demo — protecting "${FUNCTION_NAME}", a reports API with a path traversal bug`);
    print('');
    const built = join(root, 'build', 'layer', 'sentinel', 'extension.cjs');
    if (!existsSync(built)) throw new Error(`no built layer at ${built}: run \`make build\` first`);

    await tl.step('Local AWS', async () => {
      stack = await startAwsStack();
      Object.assign(process.env, stack.env);
      await createIncidentTable(stack, TABLE);
      const { topicArn, queueUrl: q } = await stack.createTopicWithQueue(TOPIC, QUEUE);
      queueUrl = q;
      stack.lambda.ensureFunction(FUNCTION_NAME, {
        AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper',
        SENTINEL_MODE: 'block',
        SENTINEL_INCIDENT_TABLE: TABLE,
        SENTINEL_SNS_TOPIC_ARN: topicArn,
        SENTINEL_SLACK_WEBHOOK_URL: stack.slackWebhookUrl,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      });
      // A private copy of the built layer plays /opt, so a concurrent rebuild cannot change it mid-demo.
      layerDir = mkdtempSync(join(tmpdir(), 'sentinel-demo-layer-'));
      cpSync(join(root, 'build', 'layer'), layerDir, { recursive: true });
      return {
        summary: 'DynamoDB, SNS→SQS, Lambda control plane, CloudWatch and Slack stand-ins up on 127.0.0.1',
        details: [
          `incident table ${TABLE}; topic ${TOPIC} → queue ${QUEUE}; Slack webhook receiver`,
          `function ${FUNCTION_NAME} configured with the Sentinel layer: AWS_LAMBDA_EXEC_WRAPPER=/opt/sentinel-wrapper, SENTINEL_MODE=block`,
        ],
      };
    });

    const first = await tl.step('Cold start', async () => {
      const s = await startEnvironment();
      return {
        ...s,
        summary: `${s.name} initialised in ${Math.round(s.init.durationMs)} ms (extension + agent + function)`,
        details: [
          `the agent is connected to the extension's findings channel (waited ${Math.round(s.agentWaitMs)} ms after init)`,
        ],
      };
    });

    await tl.step('Benign request', async () => {
      const { ex } = await call(first.env, first.name, 'benign', BENIGN_NAME);
      if (ex.status !== 200 || !ex.body.includes('Q3 summary'))
        throw new StepFailed(`expected 200 with the report, got ${ex.status}`, [oneLine(ex.body)]);
      await first.env.settled();
      // The access log is how later steps tell whether the handler ran; make sure it is there.
      if (handlerRuns(first.env) !== 1) throw new StepFailed('the handler access log line is missing');
      const noisy = currentFindings(first.env);
      if (noisy.length > 0)
        throw new StepFailed(
          `the benign request produced ${noisy.length} finding(s)`,
          noisy.map((f) => f.title),
        );
      return {
        summary: `GET /reports?name=${BENIGN_NAME} → ${ex.status}, no finding`,
        details: [`body: ${oneLine(ex.body, 80)}`],
      };
    });

    const finding = await tl.step('Attack', async () => {
      const { ex } = await call(first.env, first.name, 'attack', ATTACK_NAME);
      if (ex.body.includes('root:')) throw new StepFailed('the attacker received /etc/passwd', [oneLine(ex.body)]);
      await first.env.settled();
      const f = await waitFor(
        () => currentFindings(first.env).find((x) => x.category === 'path_traversal'),
        READBACK_MS,
      );
      if (!f) throw new StepFailed('no path_traversal finding in the extension log');
      return {
        summary: `GET /reports?name=${ATTACK_NAME} → ${ex.status}; ${f.blocked ? 'BLOCKED' : 'detected'}: ${f.category}/${f.kind} (${f.severity})`,
        details: [
          f.title,
          `sink ${f.sink ?? '?'}${f.location ? ` at ${f.location}` : ''}; input ${f.input?.path ?? '?'} = ${f.input?.value ?? '?'}`,
          `response body: ${oneLine(ex.body, 80)} (no file content leaked)`,
        ],
        finding: f,
      };
    });

    const incident = await tl.step('Incident recorded', async () => {
      const inc = await waitFor(async () => {
        const items = await queryFunctionItems(stack!, TABLE, FUNCTION_NAME);
        return items.find((i) => i.type === 'incident');
      }, READBACK_MS);
      if (!inc) throw new StepFailed(`no incident under pk=FN#${FUNCTION_NAME} in ${TABLE}`);
      const ids = (inc.findings as { id: string }[] | undefined)?.map((x) => x.id) ?? [];
      if (!ids.includes(finding.finding.id))
        throw new StepFailed(`incident ${String(inc.id)} does not list the finding`);
      return {
        summary: `Query ${TABLE} (pk = FN#${FUNCTION_NAME}) → incident ${String(inc.id)}`,
        details: [
          `rule ${String(inc.rule)} (${String(inc.ruleTitle)}), severity ${String(inc.severity)}, category ${String(inc.category)}`,
          `sk ${inc.sk}; TTL ${new Date(Number(inc.ttl) * 1000).toISOString()}`,
        ],
        inc,
      };
    });
    const incidentId = String(incident.inc.id);

    await tl.step('Alert on SNS', async () => {
      const got: SnsEnvelope[] = [];
      const mine = await waitFor(async () => {
        got.push(...(await receiveSnsMessages(stack!, queueUrl)));
        const m = got.filter((e) => e.Message.includes(incidentId));
        return m.length > 0 ? m : undefined;
      }, READBACK_MS);
      if (!mine) throw new StepFailed(`no SNS notification naming incident ${incidentId} in ${QUEUE}`);
      result.alerts.sns = mine.map((e) => ({ subject: e.Subject ?? '', message: e.Message }));
      const attrs = Object.entries(mine[0].MessageAttributes ?? {}).map(([k, v]) => `${k}=${v.Value}`);
      return {
        summary: `ReceiveMessage on ${QUEUE} → "${mine[0].Subject ?? ''}"`,
        details: [`message attributes: ${attrs.join(', ')}`],
      };
    });

    await tl.step('Alert on Slack', async () => {
      const msgs = await waitFor(() => {
        const m = stack!
          .slackMessages()
          .map(slackText)
          .filter((t) => t.includes(incidentId) || t.includes(FUNCTION_NAME));
        return m.length > 0 ? m : undefined;
      }, READBACK_MS);
      if (!msgs) throw new StepFailed('the Slack receiver got no message about the incident');
      result.alerts.slack = msgs;
      return { summary: `the webhook received ${msgs.length} message(s)`, details: [oneLine(msgs[0], 110)] };
    });

    await tl.step('Quarantined', async () => {
      const q = await waitFor(
        () => stack!.lambda.getFunction(FUNCTION_NAME)?.environment.SENTINEL_QUARANTINE,
        READBACK_MS,
      );
      if (!q) throw new StepFailed('SENTINEL_QUARANTINE is not in the function configuration');
      const parsed = JSON.parse(q) as Record<string, unknown>;
      result.quarantine = parsed;
      if (parsed.incidentId !== incidentId)
        throw new StepFailed(`quarantine names incident ${String(parsed.incidentId)}`);
      const before = handlerRuns(first.env);
      const { ex } = await call(first.env, first.name, 'while quarantined', BENIGN_NAME);
      await first.env.settled();
      if (!refused(ex)) throw new StepFailed(`the next request was not refused: ${ex.status}`, [oneLine(ex.body)]);
      if (handlerRuns(first.env) !== before) throw new StepFailed('the handler ran although the request was refused');
      return {
        summary: `SENTINEL_QUARANTINE set on the Lambda configuration; the next request → ${ex.status}, handler not run`,
        details: [`SENTINEL_QUARANTINE=${q}`, `body: ${oneLine(ex.body, 100)}`],
      };
    });

    await tl.step('New environment refuses too', async () => {
      // Lambda starts new environments from the configuration: the quarantine holds beyond the warm one.
      await stopEnvironment(first.env);
      const s = await startEnvironment();
      const { ex } = await call(s.env, s.name, 'cold start while quarantined', BENIGN_NAME);
      await s.env.settled();
      if (!refused(ex)) throw new StepFailed(`a fresh environment answered ${ex.status}`, [oneLine(ex.body)]);
      if (handlerRuns(s.env) !== 0) throw new StepFailed('the handler ran in the quarantined environment');
      await stopEnvironment(s.env);
      return { summary: `${s.name} (cold start, reads the configuration) → ${ex.status}; the handler never ran` };
    });

    await tl.step('sentinel release', async () => {
      const args = ['release', '--function', FUNCTION_NAME, '--table', TABLE, '--by', 'demo-operator'];
      const cliEnv: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...stack!.env,
      };
      cliEnv.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
      const r = await sentinelCli(root, args, cliEnv);
      result.releaseOutput = r.stdout.trim();
      for (const line of r.stderr.split('\n')) {
        if (!line.startsWith('{"evt":"action"')) continue;
        const a = (JSON.parse(line) as { action: Record<string, unknown> }).action;
        result.actions.push({
          source: 'cli',
          type: String(a.type),
          status: String(a.status),
          detail: String(a.detail ?? ''),
        });
      }
      if (r.code !== 0)
        throw new StepFailed(`sentinel release exited ${r.code}`, [...r.stdout.split('\n'), oneLine(r.stderr, 300)]);
      const env = stack!.lambda.getFunction(FUNCTION_NAME)?.environment ?? {};
      if ('SENTINEL_QUARANTINE' in env) throw new StepFailed('SENTINEL_QUARANTINE is still set');
      if (env.SENTINEL_MODE !== 'block') throw new StepFailed('release lost the other configuration variables');
      return {
        summary: `npx sentinel ${args.join(' ')} → exit 0`,
        details: r.stdout.trim().split('\n'),
      };
    });

    await tl.step('Back in service', async () => {
      const s = await startEnvironment();
      const { ex } = await call(s.env, s.name, 'after release', BENIGN_NAME);
      if (ex.status !== 200 || !ex.body.includes('Q3 summary'))
        throw new StepFailed(`expected 200 with the report, got ${ex.status}`, [oneLine(ex.body)]);
      await s.env.settled();
      await stopEnvironment(s.env);
      return { summary: `${s.name} (new configuration) → GET /reports?name=${BENIGN_NAME} → ${ex.status}` };
    });

    result.ok = true;
  } catch (err) {
    if (!(err instanceof StepFailed) && !tl.steps.some((s) => !s.ok))
      print(`demo failed: ${err instanceof Error ? err.stack : String(err)}`);
  } finally {
    for (const env of [...envs]) await stopEnvironment(env).catch(() => {});
    result.environments = reports;
    const rec = extensionRecords(reports);
    result.findings = rec.findings;
    result.actions = [...rec.actions, ...result.actions];
    if (stack) {
      result.tableItems = await queryFunctionItems(stack, TABLE, FUNCTION_NAME).catch(() => []);
      await stack.stop().catch(() => {});
    }
    if (layerDir) rmSync(layerDir, { recursive: true, force: true });
    result.durationMs = tl.elapsedMs();
  }
  return result;
}
