/**
 * The ChildProcess.prototype.spawn hook (new ChildProcess().spawn(...) skips the module functions). The hooks go
 * on a copy of the module and a subclass whose own `spawn` records calls, so nothing real is patched or started.
 */
import * as cp from 'node:child_process';
import type { AgentMessage } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { Invocation } from '../context/invocation';
import { Agent } from '../core/agent';
import { installChildProcessHooks } from './child-process';

const roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };

function setup(env: Record<string, string>) {
  const agent = new Agent(parseConfig(env).config, roots, env);
  const sent: AgentMessage[] = [];
  agent.setSender((m) => sent.push(m));
  const calls: unknown[] = [];
  class Recording extends cp.ChildProcess {}
  Object.defineProperty(Recording.prototype, 'spawn', {
    value: function spawn(options: unknown) {
      calls.push(options);
      return undefined;
    },
    writable: true,
    configurable: true,
  });
  const mod = { ...cp, ChildProcess: Recording } as unknown as typeof cp;
  installChildProcessHooks(agent, mod);
  const findings = () => sent.flatMap((m) => (m.t === 'finding' ? [m.finding as Finding] : []));
  return { agent, mod, Recording, calls, findings };
}

/** ChildProcess#spawn(options) is public at run time but not in the type declarations. */
const spawnOn = (c: cp.ChildProcess, o: unknown) => (c as unknown as { spawn(o: unknown): unknown }).spawn(o);

const options = { file: '/usr/bin/touch', args: ['touch', '/tmp/x'], envPairs: [], stdio: ['ignore'] };

describe('ChildProcess.prototype.spawn hook', () => {
  it('judges a direct class spawn like child_process.spawn (monitor: reported, runs)', () => {
    const { agent, Recording, calls, findings } = setup({});
    agent.context.run(new Invocation('req-1', {}), () => spawnOn(new Recording(), options));
    expect(calls).toHaveLength(1);
    expect(findings()).toEqual([
      expect.objectContaining({
        category: 'exec_policy',
        kind: 'not_allowed',
        sink: 'child_process.spawn',
        args: ['/usr/bin/touch', '/tmp/x'],
        blocked: false,
        requestId: 'req-1',
      }),
    ]);
  });

  it('throws before the spawn in block mode', () => {
    const { agent, Recording, calls } = setup({ SENTINEL_MODE: 'block' });
    expect(() => agent.context.run(new Invocation('req-2', {}), () => spawnOn(new Recording(), options))).toThrow(
      expect.objectContaining({ code: 'ERR_SENTINEL_BLOCKED' }),
    );
    expect(calls).toHaveLength(0);
  });

  it('stays quiet for programs in the allow-list and for calls with the guard raised', () => {
    const { agent, Recording, calls, findings } = setup({ SENTINEL_EXEC_ALLOW: 'touch' });
    spawnOn(new Recording(), options);
    agent.guard++;
    spawnOn(new Recording(), { ...options, file: '/bin/sh', args: ['sh', '-c', 'id'] });
    agent.guard--;
    expect(calls).toHaveLength(2);
    expect(findings()).toEqual([]);
  });
});
