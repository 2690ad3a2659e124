/**
 * Console patching in a real runtime process: text and JSON records, level filtering, the idle request id,
 * and the binary telemetry-fd framing.
 */
import { join } from 'node:path';
import { availableRuntimes } from '../../lib/runtimes';
import { initOutcome, useRuntimeHarness } from './testing/harness';
import { HANDLER_FIXTURES as FIX } from './testing/runtime-process';

jest.setTimeout(30_000);

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

describe.each(availableRuntimes())('console on Node $major', ({ major, node }) => {
  const h = useRuntimeHarness();
  const idleRequestId = major >= 24 ? '-' : 'undefined';

  /** Stdout has `n` lines (the pipe is read independently of the Runtime API socket). */
  const lineCount = (n: number) => (o: string) => o.split('\n').filter((l) => l.length > 0).length >= n;
  /** Runs `index.logs` once; `expectLines`: the stdout lines to wait for (the handler logs 6 records). */
  const runLogs = async (env: Record<string, string>, opts: { telemetryFd?: boolean } = {}, expectLines = 6) => {
    const s = await h.start({ node, taskRoot: join(FIX, 'cjs'), handler: 'index.logs', env, ...opts });
    expect(await initOutcome(s)).toBe('ready');
    const posted = await s.api.invoke({ event: {}, requestId: 'req-log' });
    expect(JSON.parse(posted.body)).toBe('logged');
    if (expectLines > 0) await s.run.stdoutWhen(lineCount(expectLines));
    return s;
  };

  test('text format: one line per call, newlines become \\r, levels by method', async () => {
    const s = await runLogs({});
    const lines = s.run.lines();
    const prefix = (level: string) => new RegExp(`^${ISO}\\treq-log\\t${level}\\t`);
    expect(lines[0]).toMatch(prefix('INFO'));
    expect(lines[0]!.endsWith('\thello\rworld')).toBe(true);
    expect(lines[1]).toMatch(new RegExp(`${prefix('INFO').source}info 5$`));
    expect(lines[2]).toMatch(new RegExp(`${prefix('WARN').source}warn$`));
    expect(lines[3]).toMatch(new RegExp(`${prefix('ERROR').source}Error: bad\\r    at `));
    expect(lines[4]).toMatch(new RegExp(`${prefix('DEBUG').source}dbg$`));
    expect(lines[5]).toMatch(new RegExp(`${prefix('INFO').source}\\{ a: 1 \\}$`));
    expect(lines).toHaveLength(6);
  });

  test('JSON format keeps objects and describes errors', async () => {
    const s = await runLogs({ AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    const records = s.run.lines().map((l) => JSON.parse(l));
    expect(records.map((r) => r.level)).toEqual(['INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG', 'INFO']);
    expect(records.every((r) => r.requestId === 'req-log' && new RegExp(`^${ISO}$`).test(r.timestamp))).toBe(true);
    expect(records[0].message).toBe('hello\nworld');
    expect(records[1].message).toBe('info 5');
    expect(records[3].message).toMatchObject({ errorType: 'Error', errorMessage: 'bad' });
    expect(records[3].message.stackTrace[0]).toBe('Error: bad');
    expect(records[5].message).toEqual({ a: 1 });
  });

  test('AWS_LAMBDA_LOG_LEVEL filters lower levels', async () => {
    const s = await runLogs({ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'warn' }, {}, 2);
    expect(s.run.lines().map((l) => JSON.parse(l).level)).toEqual(['WARN', 'ERROR']);
  });

  test('records outside an invocation carry the idle request id', async () => {
    const s = await h.start({ node, taskRoot: join(FIX, 'init-log'), handler: 'index.handler' });
    expect(await initOutcome(s)).toBe('ready');
    await s.api.invoke({ event: {}, requestId: 'req-9' });
    await s.run.stdoutWhen(lineCount(2));
    const lines = s.run.lines();
    expect(lines[0]).toMatch(new RegExp(`^${ISO}\\t${idleRequestId}\\tINFO\\tloading module$`));
    expect(lines[1]).toMatch(new RegExp(`^${ISO}\\treq-9\\tINFO\\tin handler$`));
  });

  test('_LAMBDA_TELEMETRY_LOG_FD: binary frames instead of stdout', async () => {
    const s = await runLogs({}, { telemetryFd: true }, 0);
    s.run.kill();
    await s.run.exited;
    expect(s.run.stdout()).toBe('');
    const buf = s.run.telemetry();
    const frames: { type: number; ts: bigint; text: string }[] = [];
    for (let off = 0; off < buf.length; ) {
      const len = buf.readInt32BE(off + 4);
      frames.push({
        type: buf.readUInt32BE(off),
        ts: buf.readBigInt64BE(off + 8),
        text: buf.subarray(off + 16, off + 16 + len).toString('utf8'),
      });
      off += 16 + len;
    }
    expect(frames).toHaveLength(6);
    // 0xa55a0003 | level mask: INFO 0b01100, WARN 0b10000, ERROR 0b10100, DEBUG 0b01000.
    expect(frames.map((f) => f.type.toString(16))).toEqual([
      'a55a000f',
      'a55a000f',
      'a55a0013',
      'a55a0017',
      'a55a000b',
      'a55a000f',
    ]);
    expect(frames[0]!.text).toMatch(new RegExp(`^${ISO}\\treq-log\\tINFO\\thello\\nworld\\n$`));
    const nowMicros = BigInt(Date.now()) * 1000n;
    expect(nowMicros - frames[0]!.ts).toBeLessThan(60_000_000n);
  });
});
