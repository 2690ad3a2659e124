import { Writable } from 'node:stream';
import pino from 'pino';
import { parseConfig } from '../../../protocol/config';
import { makeFinding } from '../correlate/testing';
import type { PipelineContext } from '../pipeline';
import { createResponder } from './index';

function ctx(env: Record<string, string>) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(c, _e, cb) {
      lines.push(JSON.parse(String(c)));
      cb();
    },
  });
  const agent: unknown[] = [];
  const c: PipelineContext = {
    config: parseConfig(env).config,
    log: pino({ base: undefined }, sink),
    functionName: 'unit-fn',
    functionVersion: '1',
    region: 'us-east-1',
    environmentId: 'e',
    sendToAgent: (m) => agent.push(m) > 0,
    resetEnvironment: async () => {
      throw new Error('reset must not be called');
    },
  };
  return { c, lines, agent };
}

describe('createResponder', () => {
  it('loads the SDK lazily: creating a responder and recording findings without actions loads no AWS module', () => {
    const before = Object.keys(require.cache).filter((k) => k.includes('@aws-sdk')).length;
    const { c } = ctx({ SENTINEL_RESPONSE: 'off' });
    const r = createResponder(c);
    r.onFinding(makeFinding({ category: 'code_injection', severity: 'critical' }));
    expect(Object.keys(require.cache).filter((k) => k.includes('@aws-sdk')).length).toBe(before);
  });

  it('reports invalid SENTINEL_RULES with their position and keeps the built-in playbook', () => {
    const { c, lines } = ctx({ SENTINEL_RULES: '[{"id":"x","when":{"category":"ssrf"},"actions":["explode"]}]' });
    createResponder(c);
    const bad = lines.find((l) => l.evt === 'rules' && l.position);
    expect(bad).toMatchObject({ rule: 'x', position: expect.stringMatching(/^\$\[0\]\.actions\[0\] \(line 1:\d+\)$/) });
    expect(lines.find((l) => l.evt === 'rules' && l.rules)).toMatchObject({
      invalid: 1,
      rules: expect.arrayContaining(['injection-high']),
    });
  });

  it('SENTINEL_RESPONSE=off records the incident and skips every action', async () => {
    const { c, lines, agent } = ctx({ SENTINEL_RESPONSE: 'off' });
    const r = createResponder(c);
    r.onFinding(makeFinding({ category: 'code_injection', severity: 'critical', requestId: 'q' }));
    await r.beforeNext('q');
    await r.shutdown(Date.now() + 500);
    expect(lines.filter((l) => l.evt === 'finding')).toHaveLength(1);
    expect(lines.filter((l) => l.evt === 'incident')).toHaveLength(1);
    const actions = lines.filter((l) => l.evt === 'action').map((l) => l.action as { type: string; status: string });
    expect(actions.map((a) => [a.type, a.status])).toEqual([
      ['terminate', 'skipped'],
      ['alert', 'skipped'],
    ]);
    expect(agent).toEqual([]);
    expect(lines.find((l) => l.evt === 'metrics' && l.Incidents === 1)).toBeDefined();
    expect(lines.find((l) => l.evt === 'delivery')).toMatchObject({
      level: 30,
      delivery: { findings: 1, incidents: 1, incidentTable: false },
    });
  });

  it('never throws into the caller, even on malformed input', async () => {
    const { c, lines } = ctx({});
    const r = createResponder(c);
    expect(() => r.onFinding(null as never)).not.toThrow();
    expect(() => r.onInvocation(undefined as never)).not.toThrow();
    await expect(r.beforeNext(undefined)).resolves.toBeUndefined();
    expect(lines.filter((l) => l.evt === 'responder_error')).toHaveLength(2);
  });
});
