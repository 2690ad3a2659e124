/**
 * `npx sentinel sandbox` end to end (real CLI bundle, real processes, local AWS stand-ins), including the issue's
 * done-criterion: the report carries the handler's result and a test extension's telemetry in platform order.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableRuntimes } from '../../scripts/lib/runtimes';
import type { TelemetryEvent } from '../../scripts/sandbox/emulator';
import { FUNCTIONS, makeLayer, REPO, recorderVar } from './helpers/sandbox';

jest.setTimeout(60_000);

const BIN = join(REPO, 'scripts', 'bin', 'sentinel.cjs');

function sentinel(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

interface CliReport {
  invocations: { requestId: string; status: string; response?: unknown; error?: unknown }[];
  telemetry: { name: string; events: TelemetryEvent[] }[];
  findings: unknown[];
  incidents: unknown[];
  actions: unknown[];
  awsCalls: unknown[];
  functionLogs: { line: string }[];
  extensionLogs: { extension: string; line: string }[];
  platformEvents: TelemetryEvent[];
  platformErrors: unknown[];
}

describe('sentinel sandbox CLI', () => {
  test('done criterion: handler result and extension telemetry in lifecycle order', async () => {
    const layer = makeLayer(['node-recorder']);
    try {
      const finding = { evt: 'finding', finding: { id: 'f-1', category: 'egress' } };
      const incident = { evt: 'incident', incident: { id: 'i-1' } };
      const action = { evt: 'action', action: { type: 'alert' } };
      const { code, stdout, stderr } = await sentinel([
        'sandbox',
        '--code',
        join(FUNCTIONS, 'echo'),
        '--handler',
        'index.handler',
        '--layer',
        layer.dir,
        '--event',
        '{"a":1}',
        '--env',
        `${recorderVar('ECHO', 'node-recorder')}=${[finding, incident, action].map((x) => JSON.stringify(x)).join('|')}`,
        '--json',
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as CliReport;
      const inv = report.invocations[0];
      expect(inv.status).toBe('success');
      expect(inv.response).toEqual({ received: { a: 1 }, requestId: inv.requestId, functionName: 'sandbox-function' });
      const events = report.telemetry.find((t) => t.name === 'node-recorder')?.events ?? [];
      const position = (pred: (e: TelemetryEvent) => boolean) => events.findIndex(pred);
      const rid = (e: TelemetryEvent) => (e.record as { requestId?: string }).requestId === inv.requestId;
      const order = [
        position((e) => e.type === 'platform.initStart'),
        position((e) => e.type === 'platform.initRuntimeDone'),
        position((e) => e.type === 'platform.initReport'),
        position((e) => e.type === 'platform.start' && rid(e)),
        position((e) => e.type === 'function' && String(e.record).includes('echo handler got {"a":1}')),
        position((e) => e.type === 'platform.runtimeDone' && rid(e)),
        position((e) => e.type === 'platform.report' && rid(e)),
      ];
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(report.findings).toEqual([finding.finding]);
      expect(report.incidents).toEqual([incident.incident]);
      expect(report.actions).toEqual([action.action]);
      expect(Array.isArray(report.awsCalls)).toBe(true);
      expect(report.platformErrors).toEqual([]);
    } finally {
      layer.cleanup();
    }
  });

  test('the function gets the AWS stand-ins and --env; --no-aws leaves them out', async () => {
    const args = [
      'sandbox',
      '--code',
      join(FUNCTIONS, 'behaviours'),
      '--handler',
      'index.handler',
      '--event',
      '{"do":"env"}',
      '--env',
      'FOO=bar=baz',
      '--json',
    ];
    const withAws = JSON.parse((await sentinel(args)).stdout) as CliReport;
    const env = (withAws.invocations[0].response as { env: Record<string, string> }).env;
    expect(env.FOO).toBe('bar=baz');
    expect(env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(env.SENTINEL_SLACK_WEBHOOK_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\//);
    const without = JSON.parse((await sentinel([...args, '--no-aws'])).stdout) as CliReport;
    const env2 = (without.invocations[0].response as { env: Record<string, string> }).env;
    expect(env2.FOO).toBe('bar=baz');
    expect(env2.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
    expect(without.awsCalls).toEqual([]);
  });

  test('without --json a readable summary is printed; --event @FILE and --node select the input and Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-cli-'));
    const eventFile = join(dir, 'event.json');
    writeFileSync(eventFile, '{"z":26}');
    const newest = availableRuntimes().at(-1) as { major: number; node: string };
    try {
      const r = await sentinel([
        'sandbox',
        '--code',
        join(FUNCTIONS, 'echo'),
        '--handler',
        'index.handler',
        '--event',
        `@${eventFile}`,
        '--node',
        newest.node,
        '--no-aws',
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`on Node ${newest.major}, runtime builtin`);
      expect(r.stdout).toMatch(/invoke #1 [0-9a-f-]{36}: success \(200\)/);
      expect(r.stdout).toContain('"received":{"z":26}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    [['sandbox', '--handler', 'index.handler'], /--code is required/],
    [['sandbox', '--code', '/nonexistent-dir', '--handler', 'index.handler'], /not a directory/],
    [['sandbox', '--code', '.', '--handler', 'nodot'], /FILE\.EXPORT/],
    [['sandbox', '--code', '.', '--handler', 'index.handler', '--event', '{nope'], /not valid JSON/],
    [['sandbox', '--code', '.', '--handler', 'index.handler', '--env', 'novalue'], /KEY=VALUE/],
    [['sandbox', '--code', '.', '--handler', 'index.handler', '--runtime', 'java'], /builtin, ric/],
    [['sandbox', '--code', '.', '--handler', 'index.handler', '--timeout', '0'], /--timeout/],
    [['sandbox', '--code', '.', '--handler', 'index.handler', '--log-format', 'XML'], /Text, JSON/],
    [['sandbox', '--bogus'], /Unknown option/],
    [['no-such-command'], /unknown command/],
  ])('bad input %j → exit 2 with a clear message', async (args, message) => {
    const r = await sentinel(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
