/**
 * process.binding from user code: reported; in block mode the raw-capability bindings (spawn_sync, fs, tcp_wrap...)
 * are refused. The hooks go on the real `process` of this worker and are taken off again afterwards.
 */
import type { AgentMessage } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { Invocation } from '../context/invocation';
import { Agent } from '../core/agent';
import { installBindingHooks, installKillHook } from './integrity';

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

describe('process.kill hook', () => {
  // A fake /proc: 500 is our child, 600 our grandchild (via 500), 700 a sibling (child of our parent).
  const stat = (pid: number, ppid: number, comm = 'node') => `${pid} (${comm}) S ${ppid} 1 1 0`;
  const proc: Record<string, string> = {
    '/proc/500/stat': stat(500, process.pid, 'sh'),
    '/proc/600/stat': stat(600, 500, 'sleep'),
    '/proc/700/stat': stat(700, process.ppid, 'node (ext)'),
  };
  const readFile = (p: string) => {
    const v = proc[p];
    if (v === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return v;
  };

  function withKill(
    env: Record<string, string>,
    body: (agent: Agent, kills: unknown[][], findings: () => Finding[]) => void,
  ) {
    const agent = new Agent(parseConfig(env).config, roots, env);
    const sent: AgentMessage[] = [];
    agent.setSender((m) => sent.push(m));
    const kills: unknown[][] = [];
    const realKill = process.kill;
    // The hook wraps whatever process.kill is: a recorder, so nothing is signalled.
    process.kill = ((...a: unknown[]) => {
      kills.push(a);
      return true;
    }) as typeof process.kill;
    try {
      installKillHook(agent, readFile);
      body(agent, kills, () => sent.flatMap((m) => (m.t === 'finding' ? [m.finding as Finding] : [])));
    } finally {
      process.kill = realKill;
    }
  }

  it('lets the function signal itself, its children and grandchildren, probe with signal 0, and unknown pids', () => {
    withKill({ SENTINEL_MODE: 'block' }, (_agent, kills, findings) => {
      process.kill(process.pid, 0);
      process.kill(500, 'SIGTERM');
      process.kill(600, 'SIGKILL');
      process.kill(700, 0);
      process.kill(999, 'SIGKILL'); // gone: nothing to judge
      expect(kills).toHaveLength(5);
      expect(findings()).toEqual([]);
    });
  });

  it('monitor: reports killing a process it did not start, and lets it happen', () => {
    withKill({}, (agent, kills, findings) => {
      agent.context.run(new Invocation('req-k', {}), () => process.kill(700, 'SIGKILL'));
      expect(kills).toEqual([[700, 'SIGKILL']]);
      expect(findings()).toEqual([
        expect.objectContaining({
          category: 'integrity',
          kind: 'foreign_process_kill',
          blocked: false,
          requestId: 'req-k',
          details: expect.objectContaining({ pid: 700, signal: 'SIGKILL', command: 'node (ext)' }),
        }),
      ]);
    });
  });

  it('block: refuses it with the Sentinel error before any signal is sent', () => {
    withKill({ SENTINEL_MODE: 'block' }, (agent, kills, findings) => {
      expect(() => agent.context.run(new Invocation('req-b', {}), () => process.kill(700))).toThrow(
        expect.objectContaining({ code: 'ERR_SENTINEL_BLOCKED' }),
      );
      expect(kills).toEqual([]);
      expect(findings()).toEqual([expect.objectContaining({ kind: 'foreign_process_kill', blocked: true })]);
    });
  });
});
