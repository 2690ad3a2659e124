import { agentExpected, HeartbeatLedger } from './heartbeat-ledger';

describe('agent heartbeat expectations', () => {
  it('auto expects the agent when the wrapper or the preload is configured', () => {
    expect(agentExpected('auto', '/opt/sentinel-wrapper', [])).toBe(true);
    expect(agentExpected('auto', undefined, ['/opt/sentinel/agent.cjs'])).toBe(true);
    expect(agentExpected('auto', '/opt/otel-handler', ['/opt/other/agent.cjs'])).toBe(false);
    expect(agentExpected('auto', undefined, [])).toBe(false);
    expect(agentExpected('true', undefined, [])).toBe(true);
    expect(agentExpected('false', '/opt/sentinel-wrapper', [])).toBe(false);
  });

  it('remembers only the most recent request ids', () => {
    const l = new HeartbeatLedger(2);
    l.record('a');
    l.record('b');
    l.record('c');
    expect([l.has('a'), l.has('b'), l.has('c')]).toEqual([false, true, true]);
  });
});
