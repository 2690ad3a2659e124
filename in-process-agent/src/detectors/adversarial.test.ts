/**
 * Bounded-time checks: every detector and the extractor get 100 KB adversarial strings (repetitions that make
 * backtracking regexes or quadratic scans explode). The bound is generous (a quadratic algorithm on 100 KB
 * takes minutes, a linear one milliseconds), so the test is not a flaky performance assertion.
 */
import fc from 'fast-check';
import { extractInputs, type InputString } from '../input/extract';
import { detectCode } from './code';
import { detectExec } from './exec';
import { classifyIp, parseIpLoose } from './ip';
import { detectOutbound } from './outbound';
import { detectPath } from './path';
import { redact } from './redact';
import { detectSecretLeak } from './secrets';
import { detectShellCommand } from './shell';
import type { Roots } from './types';

const N = 100 * 1024;
const BOUND_MS = 5000; // linear cases take < 150 ms; a quadratic scan of 100 KB takes minutes
const roots: Roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };

function fill(unit: string, n = N): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

const PATTERNS: Record<string, string> = {
  as: fill('a'),
  quotes: fill(`'a'"b"\\c`),
  substitutions: fill('$(`${'),
  operators: fill(';|&<>()'),
  spaces: fill(' \t'),
  dots: fill('../'),
  dotsOnly: fill('.'),
  slashes: fill('/'),
  comments: fill('/*/'),
  regexish: fill('/[/'),
  templates: fill('`${'),
  percents: fill('%25'),
  base64ish: fill('QUFB'),
  jwtish: `eyJ${fill('a.', N - 3)}`,
  digits: fill('1.'),
  colons: fill('1:'),
  ndFunc: fill('_$$ND_FUNC$$_'),
  equals: fill('password='),
  tokens: fill('AKIAABCDEFGHIJKLMNOP'),
  unicode: fill('\ud83d\ude00\ud800'),
};

/** Inputs that nearly match the sink everywhere: the worst case for substring search. */
function nearMisses(s: string): InputString[] {
  return [
    { path: '$.a', value: s.slice(0, N / 2) + 'Z' },
    { path: '$.b', value: 'Z' + s.slice(0, N / 2) },
    { path: '$.c', value: s.slice(1000, 1100) },
    { path: '$.d', value: s },
  ];
}

function timed(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

describe.each(Object.entries(PATTERNS))('100 KB adversarial input: %s', (_name, s) => {
  const inputs = nearMisses(s);
  test('shell, exec, code', () => {
    expect(timed(() => detectShellCommand(s, inputs))).toBeLessThan(BOUND_MS);
    expect(timed(() => detectExec(s, [s, '-c', s], inputs, ['x'], new Set([s]), roots))).toBeLessThan(BOUND_MS);
    expect(timed(() => detectExec('/bin/sh', ['-c', s], inputs, ['sh'], new Set(), roots))).toBeLessThan(BOUND_MS);
    expect(timed(() => detectCode(s, inputs, 'Function'))).toBeLessThan(BOUND_MS);
  });
  test('path, outbound, ip', () => {
    expect(timed(() => detectPath('read', s, inputs, roots))).toBeLessThan(BOUND_MS);
    expect(timed(() => detectPath('write', `/tmp/${s}`, inputs, roots))).toBeLessThan(BOUND_MS);
    expect(
      timed(() =>
        detectOutbound({ host: s, port: 443, protocol: 'https', url: `https://${s}/` }, inputs, {
          egressAllow: ['*.x.com', s],
        }),
      ),
    ).toBeLessThan(BOUND_MS);
    expect(timed(() => [parseIpLoose(s), classifyIp(s)])).toBeLessThan(BOUND_MS);
  });
  test('secrets, redact, extraction', () => {
    expect(
      timed(() =>
        detectSecretLeak(s, [
          { name: 'K', value: s.slice(0, 64) },
          { name: 'L', value: s },
        ]),
      ),
    ).toBeLessThan(BOUND_MS);
    expect(timed(() => redact(s, 256))).toBeLessThan(BOUND_MS);
    expect(timed(() => redact(s, N))).toBeLessThan(BOUND_MS);
    expect(
      timed(() =>
        extractInputs({
          body: s,
          headers: { cookie: s, authorization: s },
          rawQueryString: s,
          Records: [{ kinesis: { data: s } }],
        }),
      ),
    ).toBeLessThan(BOUND_MS);
  });
});

test('many inputs against one sink stay bounded (4,096 inputs × 10 KB command)', () => {
  const cmd = fill('echo abc; ', 10 * 1024);
  const inputs = Array.from({ length: 4096 }, (_, i) => ({ path: `$.k${i}`, value: `abc${i}` }));
  expect(timed(() => detectShellCommand(cmd, inputs))).toBeLessThan(BOUND_MS);
});

test('property: no detector throws on arbitrary UTF-16 (lone surrogates, controls, NUL)', () => {
  const str = fc.string({ unit: 'binary', maxLength: 60 });
  fc.assert(
    fc.property(str, str, fc.array(str, { maxLength: 3 }), (a, b, more) => {
      const inputs = [a, b, ...more].map((value, i) => ({ path: `$.${i}`, value }));
      const sink = `${a}${b}${more.join(' ')}`;
      detectShellCommand(sink, inputs);
      detectExec(a, [b, '-c', sink], inputs, [b], new Set([a]), roots);
      detectCode(sink, inputs, 'Function');
      detectPath('read', sink, inputs, roots);
      detectOutbound({ host: a, ip: b, port: 80, protocol: 'http', url: sink }, inputs, {
        egressAllow: [b, '*.x'],
        runtimeApi: `${a}:1`,
      });
      detectSecretLeak(sink, [{ name: 'n', value: `${a}${b}${a}` }]);
      redact(sink, 20);
      extractInputs({ [a]: b, body: sink, headers: { cookie: a, authorization: `Bearer ${b}` } });
    }),
    { numRuns: 1000 },
  );
});
