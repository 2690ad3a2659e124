/**
 * The Sentinel extension in the sandbox with the built layer: cold start, warm invokes, shutdown, on every
 * available Node runtime; the findings channel with a test client standing in for the agent; configuration
 * failures; the launcher keeping the function's preloads out of the extension.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableRuntimes } from '../../scripts/lib/runtimes';
import type { EnvironmentReport, FunctionEnvironment } from '../../scripts/sandbox/emulator';
import { agentLayer } from './helpers/agent-sandbox';
import { FUNCTIONS, testEnvironment } from './helpers/sandbox';

jest.setTimeout(60_000);

type Rec = Record<string, unknown>;
/** The extension's structured log records (pino JSON lines on stdout). */
function sentinelRecords(report: EnvironmentReport): Rec[] {
  return report.extensionLogs
    .filter((l) => l.extension === 'sentinel' && l.line.startsWith('{'))
    .map((l) => JSON.parse(l.line) as Rec);
}
const byEvt = (recs: Rec[], evt: string) => recs.filter((r) => r.evt === evt);

/** A function that plays the agent on the findings channel (the real agent is tested elsewhere). */
const FAKE_AGENT = `
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const sockPath = () => path.join(process.env.SENTINEL_CHANNEL_DIR || path.join(os.tmpdir(), '.sentinel'), 'agent.sock');
const frame = (m) => { const b = Buffer.from(JSON.stringify(m)); const h = Buffer.alloc(4); h.writeUInt32BE(b.length); return Buffer.concat([h, b]); };
function client() {
  const s = net.connect(sockPath());
  const got = [];
  let buf = Buffer.alloc(0);
  s.on('data', (c) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      got.push(JSON.parse(buf.subarray(4, 4 + buf.readUInt32BE(0)).toString()));
      buf = buf.subarray(4 + buf.readUInt32BE(0));
    }
  });
  s.on('error', () => {});
  const closed = new Promise((r) => s.on('close', r));
  return { s, got, closed };
}
let agent;
exports.handler = async (event, context) => {
  const id = context.awsRequestId;
  if (!agent) {
    agent = client();
    agent.s.write(frame({ t: 'hello', v: 1, pid: process.pid, node: process.version, agentVersion: 'e2e', attach: 'preload' }));
    for (let i = 0; i < 100 && !agent.got.some((m) => m.t === 'welcome'); i++) await new Promise((r) => setTimeout(r, 10));
  }
  if (event.heartbeat !== false) agent.s.write(frame({ t: 'inv_start', requestId: id, ts: Date.now() }));
  if (event.finding)
    agent.s.write(frame({ t: 'finding', finding: { id: 'f-' + id, time: new Date().toISOString(), source: 'agent', category: 'command_injection', kind: 'shell_metachar', severity: 'high', confidence: 'high', title: 'e2e finding', phase: 'invoke', requestId: id, blocked: false } }));
  let second;
  if (event.secondClient) {
    const c = client();
    c.s.write(frame({ t: 'hello', v: 1, pid: process.pid, node: process.version, agentVersion: 'intruder', attach: 'preload' }));
    await Promise.race([c.closed, new Promise((r) => setTimeout(r, 2000))]);
    second = c.got.map((m) => m.t);
  }
  if (event.heartbeat !== false) agent.s.write(frame({ t: 'inv_end', requestId: id, ts: Date.now(), outcome: 'success' }));
  return { welcomed: agent.got.some((m) => m.t === 'welcome'), second };
};
`;

function fakeAgentCode(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-fake-agent-'));
  writeFileSync(join(dir, 'index.js'), FAKE_AGENT);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe.each(availableRuntimes())('extension lifecycle on Node $major', ({ node }) => {
  let layer: ReturnType<typeof agentLayer>;
  let env: FunctionEnvironment;
  let report: EnvironmentReport;
  let recs: Rec[];
  const requestIds: string[] = [];
  const N = 4;

  beforeAll(async () => {
    layer = agentLayer();
    env = await testEnvironment({
      layerDir: layer.dir,
      node,
      functionName: 'ext-e2e',
      env: { SENTINEL_LOG_LEVEL: 'info', SENTINEL_RESPONSE: 'off' },
    });
    for (let i = 0; i < N; i++) requestIds.push((await env.invoke({ i })).requestId);
    await env.settled();
    report = await env.shutdown();
    recs = sentinelRecords(report);
  });
  afterAll(async () => {
    await env?.dispose();
    layer?.cleanup();
  });

  test('registers for INVOKE and SHUTDOWN, subscribes to platform + function telemetry, exits 0 within the budget', () => {
    const ext = report.extensions.find((e) => e.name === 'sentinel');
    expect(ext).toMatchObject({ external: true, events: ['INVOKE', 'SHUTDOWN'], exitCode: 0 });
    expect(report.invocations.map((i) => i.statusCode)).toEqual(Array(N).fill(200));
    const sub = report.telemetry.find((s) => s.name === 'sentinel');
    expect(sub?.types).toEqual(['platform', 'function']);
    const shutdown = report.shutdowns.at(-1);
    expect(shutdown?.reason).toBe('spindown');
    expect(shutdown?.durationMs).toBeLessThan(2000);
    expect(byEvt(recs, 'lifecycle').find((r) => r.state === 'ready')).toMatchObject({
      telemetry: true,
      channel: true,
      name: 'sentinel',
    });
    expect(byEvt(recs, 'lifecycle').find((r) => r.state === 'stopped')).toMatchObject({ invocations: N });
  });

  test('sees every invocation’s runtimeDone and report (one summary per request, with billed duration and memory)', () => {
    const summaries = byEvt(recs, 'invocation').map((r) => r.invocation as Rec);
    expect(summaries.map((s) => s.requestId)).toEqual(requestIds);
    for (const s of summaries) {
      expect(s.status).toBe('success');
      expect(typeof s.billedDurationMs).toBe('number');
      expect(typeof s.maxMemoryUsedMB).toBe('number');
    }
    expect(typeof summaries[0].initDurationMs).toBe('number');
  });

  test('records a cold-start self-check and reports nothing for a clean layer', () => {
    const sc = byEvt(recs, 'selfcheck')[0]?.selfcheck as Rec;
    expect(sc).toMatchObject({
      extensions: ['sentinel'],
      unexpectedExtensions: [],
      execWrapper: null,
      manifest: 'match',
    });
    expect(sc.layerHash).toMatch(/^[0-9a-f]{64}$/);
    expect(report.findings).toEqual([]);
  });
});

test('derives error, timeout and crash statuses and keeps a bounded tail of the function’s log lines', async () => {
  const layer = agentLayer();
  try {
    const env = await testEnvironment({ layerDir: layer.dir, timeoutMs: 1000, env: { SENTINEL_RESPONSE: 'off' } });
    const ids = {
      log: (await env.invoke({ do: 'log', lines: 30 })).requestId,
      error: (await env.invoke({ do: 'throw', message: 'boom' })).requestId,
      timeout: (await env.invoke({ do: 'sleep', ms: 5000 })).requestId,
      crash: (await env.invoke({ do: 'exit', code: 3 })).requestId,
      after: (await env.invoke({ do: 'log', lines: 1 })).requestId,
    };
    await env.settled();
    const r = await env.shutdown();
    await env.dispose();
    const summaries = new Map(
      byEvt(sentinelRecords(r), 'invocation').map((x) => [(x.invocation as Rec).requestId, x.invocation as Rec]),
    );
    // The platform's own statuses for the same requests (platform.report as the emulator produced them).
    const platform = new Map(r.invocations.map((i) => [i.requestId, i.status]));
    for (const id of Object.values(ids)) expect(summaries.get(id)?.status).toBe(platform.get(id));
    expect(summaries.get(ids.error)?.status).toBe('error');
    expect(summaries.get(ids.timeout)?.status).toBe('timeout');
    expect(summaries.get(ids.log)?.status).toBe('success');
    const tail = summaries.get(ids.log)?.logTail as string[];
    expect(tail).toHaveLength(20);
    expect(tail.at(-1)).toContain('line 29');
  } finally {
    layer.cleanup();
  }
});

describe('findings channel with a test client standing in for the agent', () => {
  let layer: ReturnType<typeof agentLayer>;
  let code: ReturnType<typeof fakeAgentCode>;
  let env: FunctionEnvironment;
  let report: EnvironmentReport;
  const ids: string[] = [];
  let secondSaw: unknown;

  beforeAll(async () => {
    layer = agentLayer();
    code = fakeAgentCode();
    // Response off: only the extension's ingest side is under test here (a second client would otherwise make the
    // responder terminate this environment, see the last test).
    env = await testEnvironment({
      layerDir: layer.dir,
      codeDir: code.dir,
      env: { SENTINEL_EXPECT_AGENT: 'true', SENTINEL_RESPONSE: 'off' },
    });
    const a = await env.invoke({ finding: true });
    ids.push(a.requestId);
    const b = await env.invoke({ secondClient: true });
    ids.push(b.requestId);
    secondSaw = (b.response as Rec).second;
    const c = await env.invoke({ heartbeat: false });
    ids.push(c.requestId);
    expect((a.response as Rec).welcomed).toBe(true);
    await env.settled();
    report = await env.shutdown();
  });
  afterAll(async () => {
    await env?.dispose();
    layer?.cleanup();
    code?.cleanup();
  });

  test('an agent finding shows up in the structured output attributed to its request id', () => {
    expect(report.findings).toContainEqual(
      expect.objectContaining({ source: 'agent', kind: 'shell_metachar', requestId: ids[0] }),
    );
  });

  test('a second client is refused and reported as tampering', () => {
    expect(secondSaw).toEqual(['refused']);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        source: 'extension',
        category: 'integrity',
        kind: 'second_client',
        severity: 'critical',
      }),
    );
  });

  test('only the invocation without heartbeat is reported as agent_silent', () => {
    const silent = (report.findings as Rec[]).filter((f) => f.kind === 'agent_silent');
    expect(silent.map((f) => f.requestId)).toEqual([ids[2]]);
    expect(report.extensions.find((e) => e.name === 'sentinel')?.exitCode).toBe(0);
  });
});

test('with the real agent attached through the exec wrapper: connected, heartbeats on every invocation, no findings', async () => {
  const layer = agentLayer();
  try {
    const env = await testEnvironment({
      layerDir: layer.dir,
      codeDir: join(FUNCTIONS, 'echo'),
      env: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper', SENTINEL_RESPONSE: 'off' },
    });
    for (let i = 0; i < 3; i++) expect((await env.invoke({ i })).statusCode).toBe(200);
    await env.settled();
    const r = await env.shutdown();
    await env.dispose();
    const recs = sentinelRecords(r);
    expect(recs.find((x) => x.evt === 'channel' && x.state === 'connected')).toMatchObject({
      agent: { attach: 'wrapper' },
    });
    expect(recs.find((x) => x.evt === 'lifecycle' && x.state === 'ready')).toMatchObject({ expectAgent: true });
    expect(byEvt(recs, 'selfcheck')[0]?.selfcheck).toMatchObject({ wrapperIsOurs: true });
    expect(byEvt(recs, 'invocation')).toHaveLength(3);
    expect(r.findings).toEqual([]);
  } finally {
    layer.cleanup();
  }
});

describe('configuration and attachment', () => {
  test('an invalid value is reported and the default used; SENTINEL_STRICT_CONFIG fails the init', async () => {
    const layer = agentLayer();
    try {
      const loose = await testEnvironment({
        layerDir: layer.dir,
        env: { SENTINEL_RUNTIMEDONE_WAIT_MS: 'forever', SENTINEL_RESPONSE: 'off' },
      });
      expect((await loose.invoke({})).statusCode).toBe(200);
      const r1 = await loose.shutdown();
      await loose.dispose();
      expect(r1.findings).toContainEqual(
        expect.objectContaining({
          category: 'configuration',
          kind: 'config_invalid',
          details: expect.objectContaining({ variable: 'SENTINEL_RUNTIMEDONE_WAIT_MS' }),
        }),
      );
      const line = sentinelRecords(r1).find((r) => r.evt === 'config_error');
      expect(line?.msg).toMatch(/SENTINEL_RUNTIMEDONE_WAIT_MS.*an integer from 0 to 10000/);

      const strict = await testEnvironment({
        layerDir: layer.dir,
        env: { SENTINEL_RUNTIMEDONE_WAIT_MS: 'forever', SENTINEL_STRICT_CONFIG: 'true' },
      });
      const res = await strict.invoke({});
      const r2 = await strict.shutdown();
      await strict.dispose();
      expect(res.error?.errorType).toMatch(/Extension\.InitError/);
      expect(r2.platformErrors.map((e) => e.errorType)).toContain('Extension.InitError');
    } finally {
      layer.cleanup();
    }
  });

  test('the function’s preload never runs in the extension, and a foreign preload is reported', async () => {
    const layer = agentLayer();
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-preload-'));
    const marker = join(dir, 'loaded.txt');
    writeFileSync(
      join(dir, 'preload.js'),
      `require('node:fs').appendFileSync(${JSON.stringify(marker)}, process.argv[1] + '\\n');`,
    );
    try {
      const env = await testEnvironment({
        layerDir: layer.dir,
        env: { NODE_OPTIONS: `--require ${join(dir, 'preload.js')}`, SENTINEL_RESPONSE: 'off' },
      });
      expect((await env.invoke({})).statusCode).toBe(200);
      const r = await env.shutdown();
      await env.dispose();
      const loadedBy = readFileSync(marker, 'utf8').trim().split('\n');
      expect(loadedBy.length).toBeGreaterThan(0); // the runtime loaded it...
      expect(loadedBy.some((p) => p.endsWith('extension.cjs'))).toBe(false); // ...the extension did not
      expect(r.findings).toContainEqual(
        expect.objectContaining({ category: 'configuration', kind: 'foreign_preload' }),
      );
      expect(r.extensions.find((e) => e.name === 'sentinel')?.exitCode).toBe(0);
    } finally {
      layer.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the terminate action resets the environment through exit/error (resetEnvironment)', async () => {
    const layer = agentLayer();
    const code = fakeAgentCode();
    // AWS calls go to a closed local port: they fail fast and never leave the machine.
    const closed = 'http://127.0.0.1:9';
    const aws = {
      AWS_ENDPOINT_URL_LAMBDA: closed,
      AWS_ENDPOINT_URL_SNS: closed,
      AWS_ENDPOINT_URL_DYNAMODB: closed,
      AWS_ENDPOINT_URL_CLOUDWATCH: closed,
    };
    try {
      const env = await testEnvironment({
        layerDir: layer.dir,
        codeDir: code.dir,
        env: { ...aws, SENTINEL_RESPONSE: 'auto' },
      });
      expect((await env.invoke({ secondClient: true })).statusCode).toBe(200);
      await env.settled();
      const after = await env.invoke({});
      const r = await env.shutdown();
      await env.dispose();
      expect(r.platformErrors.map((e) => e.errorType)).toContain('Extension.ExitError');
      expect(sentinelRecords(r).some((x) => x.evt === 'lifecycle' && x.state === 'reset')).toBe(true);
      // The platform re-initialised: the next invocation was a cold start in a fresh environment.
      expect(r.invocations.find((i) => i.requestId === after.requestId)?.coldStart).toBe(true);
    } finally {
      layer.cleanup();
      code.cleanup();
    }
  });
});
