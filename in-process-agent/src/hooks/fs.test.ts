/**
 * fs hooks: path verdicts are memoised per invocation (a loop over one file costs a lookup), and the memo never
 * carries a verdict into another invocation, whose inputs differ. The hooks go on a stand-in fs object, so nothing
 * real is patched or read.
 */
import type * as fsT from 'node:fs';
import type { AgentMessage } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { Invocation } from '../context/invocation';
import { Agent } from '../core/agent';
import { FsHooks } from './fs';

const roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };
const ESCAPE = '/var/task/files/../../etc/passwd';

function setup(env: Record<string, string>) {
  const agent = new Agent(parseConfig(env).config, roots, env);
  const sent: AgentMessage[] = [];
  agent.setSender((m) => sent.push(m));
  const reads: string[] = [];
  const fake = {
    readFileSync: (p: string) => {
      reads.push(p);
      return `content of ${p}`;
    },
    promises: {},
  } as unknown as typeof fsT;
  new FsHooks(agent).install(fake);
  const findings = () => sent.flatMap((m) => (m.t === 'finding' ? [m.finding as Finding] : []));
  return { agent, fake, reads, findings };
}

describe('fs hooks, per-invocation verdict memo', () => {
  it('blocks every repetition of a traversal within the invocation, not only the first', () => {
    const { agent, fake, reads } = setup({ SENTINEL_MODE: 'block' });
    agent.context.run(new Invocation('r1', { file: '../../etc/passwd' }), () => {
      for (let i = 0; i < 3; i++) expect(() => fake.readFileSync(ESCAPE)).toThrow(/blocked path_traversal/);
    });
    expect(reads).toEqual([]);
  });

  it('does not carry a verdict into the next invocation (other inputs, other answer)', () => {
    const { agent, fake, reads, findings } = setup({});
    agent.context.run(new Invocation('r1', { file: '../../etc/passwd' }), () => {
      fake.readFileSync(ESCAPE);
      fake.readFileSync(ESCAPE);
    });
    agent.context.run(new Invocation('r2', { file: 'a.txt' }), () => {
      fake.readFileSync(ESCAPE);
      fake.readFileSync('/var/task/files/a.txt');
    });
    agent.context.run(new Invocation('r3', { file: '../../etc/passwd' }), () => fake.readFileSync(ESCAPE));
    expect(reads).toHaveLength(5); // monitor mode: every read ran
    expect(findings().map((f) => `${f.requestId} ${f.category}/${f.kind}`)).toEqual([
      'r1 path_traversal/dot_dot',
      'r3 path_traversal/dot_dot',
    ]);
  });
});
