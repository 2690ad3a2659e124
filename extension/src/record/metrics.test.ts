import { Writable } from 'node:stream';
import pino from 'pino';
import { MetricsRecorder } from './metrics';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(c, _e, cb) {
      lines.push(JSON.parse(String(c)));
      cb();
    },
  });
  const log = pino({ base: undefined }, sink);
  return { lines, log };
}

const noClient = () => {
  throw new Error('no network in EMF mode');
};

describe('MetricsRecorder', () => {
  it('emits EMF lines with the fine and the per-function dimension sets, aggregated per flush', () => {
    const { lines, log } = capture();
    const m = new MetricsRecorder('emf', 'Sentinel', 'fn-a', log, noClient);
    m.add('Incidents', { Category: 'ssrf', Severity: 'high' });
    m.add('Incidents', { Category: 'ssrf', Severity: 'high' });
    m.add('AgentSilence');
    m.flush(1_700_000_000_000);
    const inc = lines.find((l) => 'Incidents' in l)!;
    expect(inc).toMatchObject({
      evt: 'metrics',
      FunctionName: 'fn-a',
      Category: 'ssrf',
      Severity: 'high',
      Incidents: 2,
    });
    expect(
      (inc._aws as { CloudWatchMetrics: { Dimensions: string[][]; Namespace: string }[] }).CloudWatchMetrics[0],
    ).toMatchObject({
      Namespace: 'Sentinel',
      Dimensions: [['FunctionName', 'Category', 'Severity'], ['FunctionName']],
    });
    const silence = lines.find((l) => 'AgentSilence' in l)!;
    expect(
      (silence._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0].Dimensions,
    ).toEqual([['FunctionName']]);
    lines.length = 0;
    m.flush();
    expect(lines).toEqual([]); // nothing new counted
  });

  it('api mode queues datums (with a per-function rollup) instead of logging; off records nothing', () => {
    const { lines, log } = capture();
    const m = new MetricsRecorder('api', 'Sentinel', 'fn-a', log, noClient);
    m.add('Findings', { Category: 'egress', Severity: 'low' });
    m.add('Findings', { Category: 'ssrf', Severity: 'low' }, 2);
    m.flush();
    expect(lines).toEqual([]);
    expect(m.queuedDatums).toBe(3);
    const off = new MetricsRecorder('off', 'Sentinel', 'fn-a', log, noClient);
    off.add('Findings', { Category: 'egress', Severity: 'low' });
    off.flush();
    expect(off.queuedDatums).toBe(0);
    expect(lines).toEqual([]);
  });
});
