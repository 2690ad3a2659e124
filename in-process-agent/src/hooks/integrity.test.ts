/**
 * process.binding from user code: reported; in block mode the raw-capability bindings (spawn_sync, fs, tcp_wrap...)
 * are refused. The hooks go on the real `process` of this worker and are taken off again afterwards.
 */
import type { AgentMessage } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { Invocation } from '../context/invocation';
import { Agent } from '../core/agent';
import { installBindingHooks } from './integrity';

const roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };

function withHooks(env: Record<string, string>, body: (agent: Agent, findings: () => Finding[]) => void): void {
  const agent = new Agent(parseConfig(env).config, roots, env);
  const sent: AgentMessage[] = [];
  agent.setSender((m) => sent.push(m));
  installBindingHooks(agent);
  try {
    body(agent, () => sent.flatMap((m) => (m.t === 'finding' ? [m.finding as Finding] : [])));
  } finally {
    for (const p of agent.hooks.patches) (p.target as Record<PropertyKey, unknown>)[p.key] = p.original;
  }
}

// Deprecated API on purpose; silence its warning for this file.
const binding = (name: string) => (process as unknown as { binding(n: string): unknown }).binding(name);

describe('process.binding hook', () => {
  beforeAll(() => {
    jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  });
  afterAll(() => jest.restoreAllMocks());

  it('monitor: reports and returns the binding', () => {
    withHooks({}, (agent, findings) => {
      const b = agent.context.run(new Invocation('req-1', {}), () => binding('spawn_sync'));
      expect(typeof (b as { spawn?: unknown }).spawn).toBe('function');
      expect(findings()).toEqual([
        expect.objectContaining({ category: 'integrity', kind: 'process_binding', blocked: false, requestId: 'req-1' }),
      ]);
    });
  });

  it('block: refuses raw-capability bindings with the Sentinel error, reports them as blocked', () => {
    withHooks({ SENTINEL_MODE: 'block' }, (agent, findings) => {
      for (const name of ['spawn_sync', 'fs', 'tcp_wrap'])
        expect(() => agent.context.run(new Invocation(`req-${name}`, {}), () => binding(name))).toThrow(
          expect.objectContaining({ code: 'ERR_SENTINEL_BLOCKED', name: 'SentinelBlockedError' }),
        );
      expect(findings().map((f) => [f.details?.binding, f.blocked])).toEqual([
        ['spawn_sync', true],
        ['fs', true],
        ['tcp_wrap', true],
      ]);
    });
  });

  it('block: other bindings are only reported; SENTINEL_ALLOW=integrity lets everything through', () => {
    withHooks({ SENTINEL_MODE: 'block' }, (agent, findings) => {
      expect(typeof agent.context.run(new Invocation('req-c', {}), () => binding('constants'))).toBe('object');
      expect(findings()).toEqual([expect.objectContaining({ blocked: false })]);
    });
    withHooks({ SENTINEL_MODE: 'block', SENTINEL_ALLOW: 'integrity' }, (agent) => {
      expect(typeof agent.context.run(new Invocation('req-a', {}), () => binding('spawn_sync'))).toBe('object');
    });
  });
});
