/**
 * (b) No false positives, and quarantine. A benign function (argument-array child processes allowed by
 * SENTINEL_EXEC_ALLOW, TMPDIR files, the AWS SDK against a local DynamoDB, an allowed HTTP API) runs with the
 * built layer in the sandbox on every Node runtime and must produce no finding. A function quarantined at cold
 * start (SENTINEL_QUARANTINE) refuses invocations without running user code.
 */
import { join } from 'node:path';
import type { Finding } from '../../protocol/finding';
import { availableRuntimes } from '../../scripts/lib/runtimes';
import { collectStructuredRecords, type FunctionEnvironment } from '../../scripts/sandbox/emulator';
import { agentLayer, recordingServer } from './helpers/agent-sandbox';
import { FIXTURES, testEnvironment } from './helpers/sandbox';

jest.setTimeout(60_000);

// biome-ignore lint/suspicious/noExplicitAny: dynalite has no types
const dynalite = require('dynalite') as (o: { createTableMs: number }) => any;

describe.each(availableRuntimes())('agent on Node $major', ({ node }) => {
  it('a benign function produces no finding and works as without the agent', async () => {
    const layer = agentLayer({ dependencies: true });
    const api = await recordingServer();
    const ddb = dynalite({ createTableMs: 0 });
    await new Promise<void>((r) => ddb.listen(0, '127.0.0.1', r));
    let env: FunctionEnvironment | undefined;
    try {
      env = await testEnvironment({
        codeDir: join(FIXTURES, 'agent', 'benign'),
        layerDir: layer.dir,
        node,
        timeoutMs: 10_000,
        initTimeoutMs: 10_000,
        env: {
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper',
          SENTINEL_MODE: 'block',
          SENTINEL_EXEC_ALLOW: 'echo,uname',
          SENTINEL_EGRESS_ALLOW: 'localhost,*.amazonaws.com',
          AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${ddb.address().port}`,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      });
      const results = [];
      for (const id of [1, 2]) results.push(await env.invoke({ id, name: 'world', apiPort: api.port }));
      await env.settled();
      const report = await env.shutdown();
      const findings = collectStructuredRecords(report.extensionLogs).findings as Finding[];
      for (const r of results) {
        expect(r.error).toBeUndefined();
        expect(r.response).toMatchObject({
          echoed: 'hello world',
          uname: 'Linux',
          tables: [],
          api: { ok: true },
          viaHttp: 200,
        });
      }
      expect(api.paths).toEqual(['/v1/items?q=world', '/v1/health', '/v1/items?q=world', '/v1/health']);
      expect(findings.filter((f) => f.source === 'agent')).toEqual([]);
      // The agent was there: the extension saw its heartbeat for every invocation.
      const connected = report.extensionLogs.some(
        (l) => l.line.includes('"evt":"channel"') && l.line.includes('"connected"'),
      );
      expect(connected).toBe(true);
    } finally {
      api.server.close();
      await new Promise<void>((r) => ddb.close(() => r()));
      await env?.dispose().catch(() => {});
      layer.cleanup();
    }
  });

  it('a function quarantined at cold start refuses invocations without running user code', async () => {
    const layer = agentLayer();
    let env: FunctionEnvironment | undefined;
    try {
      env = await testEnvironment({
        codeDir: join(FIXTURES, 'agent', 'vuln'),
        layerDir: layer.dir,
        node,
        env: {
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper',
          SENTINEL_RESPONSE: 'off',
          SENTINEL_QUARANTINE: JSON.stringify({ incidentId: 'inc-42', reason: 'test', time: new Date().toISOString() }),
        },
      });
      const http = await env.invoke({
        t: 'cmd',
        requestContext: { http: { method: 'GET' } },
        rawPath: '/',
        Records: [{ body: '{"name":"x; touch $TMPDIR/pwned-q"}' }],
      });
      expect(http.response).toEqual({
        statusCode: 503,
        headers: { 'content-type': 'application/json' },
        body: expect.stringContaining('quarantined by Sentinel'),
      });
      const direct = await env.invoke({ t: 'runtime' });
      expect(direct.error).toMatchObject({
        errorType: 'SentinelQuarantinedError',
        errorMessage: expect.stringContaining('[Sentinel] function quarantined (incident inc-42)'),
      });
    } finally {
      await env?.dispose().catch(() => {});
      layer.cleanup();
    }
  });
});
