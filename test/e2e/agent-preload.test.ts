/**
 * Preload-only attach (NODE_OPTIONS=--require /opt/sentinel/agent.cjs, no exec wrapper): hooks are on everywhere;
 * a CommonJS handler is wrapped when the runtime loads its module (through the CJS loader, also for Node 24's
 * import() of CJS), so findings carry the invocation; ESM handlers are not wrapped, and their findings still
 * arrive, without request id or input correlation.
 */
import { join } from 'node:path';
import type { Finding } from '../../protocol/finding';
import { availableRuntimes } from '../../scripts/lib/runtimes';
import { collectStructuredRecords, type FunctionEnvironment } from '../../scripts/sandbox/emulator';
import { agentLayer } from './helpers/agent-sandbox';
import { FIXTURES, testEnvironment } from './helpers/sandbox';

jest.setTimeout(60_000);

const cmdEvent = { t: 'cmd', Records: [{ body: JSON.stringify({ name: 'x; id' }) }] };

async function run(node: string, handler: string): Promise<{ findings: Finding[]; requestId: string; attach: string }> {
  const layer = agentLayer();
  let env: FunctionEnvironment | undefined;
  try {
    env = await testEnvironment({
      codeDir: join(FIXTURES, 'agent', 'vuln'),
      handler,
      node,
      layerDir: layer.dir,
      env: { NODE_OPTIONS: '--require /opt/sentinel/agent.cjs', SENTINEL_RESPONSE: 'off' },
    });
    const r = await env.invoke(cmdEvent);
    await env.settled();
    const report = await env.shutdown();
    const connected = report.extensionLogs.map((l) => l.line).find((l) => l.includes('"state":"connected"')) ?? '';
    return {
      findings: collectStructuredRecords(report.extensionLogs).findings as Finding[],
      requestId: r.requestId,
      attach: /"attach":"(\w+)"/.exec(connected)?.[1] ?? '',
    };
  } finally {
    await env?.dispose().catch(() => {});
    layer.cleanup();
  }
}

describe.each(availableRuntimes())('preload-only attach on Node $major', ({ node }) => {
  it('hooks work and the CJS handler is wrapped (findings carry the invocation and input)', async () => {
    const r = await run(node, 'index.handler');
    expect(r.attach).toBe('preload');
    const cmd = r.findings.find((f) => f.source === 'agent' && f.category === 'command_injection');
    expect(cmd).toBeDefined();
    // The preload-only handler wrap sits on the agent's own Module._load hook: not a replaced hook.
    expect(r.findings.filter((f) => f.category === 'integrity')).toEqual([]);
    expect(cmd).toMatchObject({
      requestId: r.requestId,
      phase: 'invoke',
      input: { path: expect.stringMatching(/^\$\.Records/) },
    });
  });

  it('ESM handlers are not wrapped, but behavioural findings still arrive', async () => {
    const r = await run(node, 'esm.handler');
    const policy = r.findings.find((f) => f.source === 'agent' && f.category === 'exec_policy');
    expect(policy).toBeDefined();
    expect(policy?.requestId).toBeUndefined();
    // The agent cannot send heartbeats for an unwrapped handler; that is not a silenced agent.
    expect(r.findings.filter((f) => f.kind === 'agent_silent')).toEqual([]);
  });

  it('an unwrapped ESM handler keeps serving with the default response (no agent_silent terminate)', async () => {
    const layer = agentLayer();
    let env: FunctionEnvironment | undefined;
    try {
      env = await testEnvironment({
        codeDir: join(FIXTURES, 'handlers', 'esm-mjs'),
        handler: 'index.handler',
        node,
        layerDir: layer.dir,
        env: { NODE_OPTIONS: '--require /opt/sentinel/agent.cjs' },
      });
      const first = await env.invoke({ n: 1 });
      await env.settled();
      const second = await env.invoke({ n: 2 });
      await env.settled();
      expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
      const report = await env.shutdown();
      const records = collectStructuredRecords(report.extensionLogs);
      expect((records.findings as Finding[]).filter((f) => f.kind === 'agent_silent')).toEqual([]);
      expect(records.actions).toEqual([]);
    } finally {
      await env?.dispose().catch(() => {});
      layer.cleanup();
    }
  });
});
