import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { RateLimitedLog } from './rate-limited-log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, log: createLogger('info', dest) };
}

describe('RateLimitedLog', () => {
  it('logs at most perWindow lines per reason and reports the suppressed count in the next window', () => {
    const { lines, log } = capture();
    let t = 0;
    const rl = new RateLimitedLog(log, 2, 1000, () => t);
    for (let i = 0; i < 10; i++) rl.warn('bad_json', { i }, 'bad frame');
    rl.warn('oversize', {}, 'too big');
    expect(lines.map((l) => l.reason)).toEqual(['bad_json', 'bad_json', 'oversize']);
    t = 1500;
    rl.warn('bad_json', {}, 'bad frame');
    expect(lines[3]).toMatchObject({ reason: 'bad_json', suppressedSinceLast: 8, level: 'warn' });
  });
});
