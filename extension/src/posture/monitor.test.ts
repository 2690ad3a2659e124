import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { PostureMonitor } from './monitor';
import { Pacer } from './pacer';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
type Rec = Record<string, unknown>;

describe('PostureMonitor (no table)', () => {
  let dir: string;
  let layer: string;
  let task: string;
  let lines: Rec[];
  let findings: Finding[];
  const TOKEN = 'ghp_Zx81Qp0LmN7bVc2XsA9dFg4HjK6TyU3iOe5R';

  function monitor(env: Record<string, string>, extra: Partial<ConstructorParameters<typeof PostureMonitor>[0]> = {}) {
    const sink = new Writable({
      write(c, _e, cb) {
        for (const l of String(c).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    return new PostureMonitor({
      env,
      layerRoot: layer,
      extensionName: 'sentinel',
      functionName: 'fn',
      functionVersion: '$LATEST',
      environmentId: 'env-1',
      config: parseConfig(env).config,
      log: pino({ base: undefined }, sink),
      report: (f) => findings.push(f),
      expectAgent: false,
      pacer: new Pacer({ sliceMs: 2, pauseMs: 1 }),
      ...extra,
    });
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'posture-mon-'));
    layer = path.join(dir, 'opt');
    task = path.join(dir, 'task');
    mkdirSync(path.join(layer, 'sentinel'), { recursive: true });
    mkdirSync(task);
    writeFileSync(path.join(layer, 'sentinel', 'extension.cjs'), 'bundle');
    writeFileSync(
      path.join(layer, 'sentinel', 'manifest.json'),
      JSON.stringify({ version: 1, algorithm: 'sha256', files: { 'sentinel/extension.cjs': sha('bundle') } }),
    );
    writeFileSync(path.join(task, 'index.mjs'), 'export const handler = async () => 1;');
    lines = [];
    findings = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('one posture record with env, integrity and costs; a secret is a finding without its value', async () => {
    const m = monitor({ LAMBDA_TASK_ROOT: task, GITHUB_TOKEN: TOKEN, DB_HOST: 'db' });
    m.start();
    await m.settled();
    const rec = lines.find((l) => l.evt === 'posture')?.posture as Rec;
    expect(rec).toMatchObject({
      v: 1,
      function: 'fn',
      emittedAt: 'complete',
      env: { checked: 2, secrets: 1, byKind: { github_token: 1 }, hashScope: 'environment' },
      integrity: {
        status: 'ok',
        manifest: { state: 'ok', files: 1 },
        rootsFrom: 'env',
        task: { root: task, files: 1, truncated: false, baseline: 'off' },
      },
      agent: null,
    });
    expect(findings).toEqual([
      expect.objectContaining({ category: 'posture', kind: 'plaintext_secret', severity: 'medium' }),
    ]);
    expect(findings[0].details).toMatchObject({ variable: 'GITHUB_TOKEN', secretKind: 'github_token' });
    const all = JSON.stringify([lines, findings]);
    for (let i = 0; i + 6 <= TOKEN.length; i++) expect(all).not.toContain(TOKEN.slice(i, i + 6));
    const metrics = lines.find((l) => l.evt === 'metrics') as Rec;
    expect(metrics).toMatchObject({ PostureSecrets: 1, IntegrityViolations: 0, FunctionName: 'fn' });
  });

  it('SHUTDOWN re-check names a handler file changed in this environment (critical integrity)', async () => {
    const m = monitor({ LAMBDA_TASK_ROOT: task });
    m.start();
    await m.settled();
    writeFileSync(path.join(task, 'index.mjs'), 'export const handler = async () => "backdoor";');
    await m.shutdown(Date.now() + 2000);
    expect(findings).toEqual([
      expect.objectContaining({
        category: 'integrity',
        kind: 'code_modified',
        severity: 'critical',
        phase: 'shutdown',
        details: expect.objectContaining({ path: 'index.mjs', against: 'environment', check: 'shutdown' }),
      }),
    ]);
  });

  it('SENTINEL_INTEGRITY_INTERVAL_S re-hashes everything (also the layer) on the interval', async () => {
    const m = monitor({ LAMBDA_TASK_ROOT: task, SENTINEL_INTEGRITY_INTERVAL_S: '1' });
    m.start();
    await m.settled();
    writeFileSync(path.join(task, 'index.mjs'), 'export const handler = async () => "backdoor";');
    writeFileSync(path.join(layer, 'sentinel', 'extension.cjs'), 'tampered');
    for (let i = 0; i < 60 && findings.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await m.shutdown(Date.now() + 1000);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'code_modified',
          details: expect.objectContaining({ check: 'interval', path: 'index.mjs' }),
        }),
        expect.objectContaining({
          kind: 'layer_modified',
          details: expect.objectContaining({ path: 'sentinel/extension.cjs' }),
        }),
      ]),
    );
    // Reported once: the SHUTDOWN re-check compares with the state the interval check saw.
    expect(findings.filter((f) => f.kind === 'code_modified')).toHaveLength(1);
  });

  it('a malformed manifest is one clear finding; the rest of the record still comes', async () => {
    writeFileSync(path.join(layer, 'sentinel', 'manifest.json'), '{"version":1,"algorithm":"sha256","files":');
    const m = monitor({ LAMBDA_TASK_ROOT: task });
    m.start();
    await m.settled();
    expect(findings).toEqual([
      expect.objectContaining({
        category: 'integrity',
        kind: 'layer_manifest_invalid',
        details: expect.objectContaining({ state: 'malformed', reason: 'not JSON' }),
      }),
    ]);
    const rec = lines.find((l) => l.evt === 'posture')?.posture as { integrity: Rec };
    expect(rec.integrity).toMatchObject({ status: 'violation', manifest: { state: 'malformed' }, task: { files: 1 } });
  });

  it('with an agent expected, waits for its roots and record, and embeds the record', async () => {
    const m = monitor({}, { expectAgent: true });
    m.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.some((l) => l.evt === 'posture')).toBe(false);
    m.onAgentRecord('agent_posture', { taskRoot: task, modules: { count: 3 } });
    await m.settled();
    const rec = lines.find((l) => l.evt === 'posture')?.posture as Rec;
    expect(rec).toMatchObject({
      agent: { modules: { count: 3 } },
      integrity: { rootsFrom: 'agent', task: { files: 1 } },
    });
    expect(lines.find((l) => l.evt === 'metrics')).toMatchObject({ ModulesLoaded: 3 });
    m.onAgentRecord('agent_posture', { modules: { count: 4 } });
    expect(lines.filter((l) => l.evt === 'posture_update')).toHaveLength(1);
  });

  it('an agent that sends no record: written without it after 3 invocations', async () => {
    const m = monitor({ LAMBDA_TASK_ROOT: task }, { expectAgent: true });
    m.start();
    await m.settled();
    m.afterInvoke();
    m.afterInvoke();
    expect(lines.some((l) => l.evt === 'posture')).toBe(false);
    m.afterInvoke();
    expect(lines.find((l) => l.evt === 'posture')?.posture).toMatchObject({
      emittedAt: 'no_agent_record',
      agent: null,
    });
  });

  it('without any agent, SHUTDOWN still writes the record (integrity partial)', async () => {
    const m = monitor({}, { expectAgent: true });
    m.start();
    await m.shutdown(Date.now() + 1000);
    const rec = lines.find((l) => l.evt === 'posture')?.posture as Rec;
    expect(rec).toMatchObject({ emittedAt: 'shutdown', agent: null });
  });
});
