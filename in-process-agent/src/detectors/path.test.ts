import fc from 'fast-check';
import type { InputString } from '../input/extract';
import { detectPath, procLeaf } from './path';
import type { Roots } from './types';

const roots: Roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };
const I = (...values: string[]): InputString[] => values.map((value, i) => ({ path: `$.q.v${i}`, value }));
const kind = (v: ReturnType<typeof detectPath>) => (v ? `${v.category}/${v.kind}/${v.severity}` : undefined);

describe('input-correlated traversal', () => {
  test.each([
    [
      'read',
      '/var/task/files/../../../proc/self/environ',
      '../../../proc/self/environ',
      'path_traversal/dot_dot/critical',
    ],
    ['read', '/var/task/files/../../../etc/passwd', '../../../etc/passwd', 'path_traversal/dot_dot/high'],
    ['read', '/var/task/files/../handler.js', '../handler.js', 'path_traversal/dot_dot/high'],
    ['read', '/tmp/uploads/../../var/task/.env', '../../var/task/.env', 'path_traversal/dot_dot/critical'],
    ['write', '/tmp/uploads/../x', '../x', 'path_traversal/dot_dot/high'],
    ['read', 'files/../../etc/passwd', 'files/../../etc/passwd', 'path_traversal/dot_dot/high'],
    ['read', '/var/task/files/prefix_../../../etc/hosts', '../../../etc/hosts', 'path_traversal/dot_dot/high'],
    ['read', '/var/task/files/prefix_../../etc/hosts', '../../etc/hosts', undefined],
    ['read', '/etc/passwd', '/etc/passwd', 'path_traversal/absolute_path/high'],
    ['read', '/proc/self/environ', '/proc/self/environ', 'path_traversal/absolute_path/critical'],
    ['read', '/var/task/index.js', '/var/task/index.js', 'path_traversal/absolute_path/high'],
    ['read', 'index.js', 'index.js', 'path_traversal/code_from_input/high'],
  ] as const)('%s %s with input %s', (op, path, input, expected) => {
    const v = detectPath(op, path, I('x', input), roots);
    expect(kind(v)).toBe(expected);
    if (expected) expect(v?.input?.path).toBe('$.q.v1');
  });

  test.each([
    ['read', '/var/task/files/sub/../x.txt', 'sub/../x.txt'], // `..` that stays inside the base
    ['read', '/var/task/files/report..v2.pdf', 'report..v2.pdf'], // dots inside a name
    ['read', '/var/task/files/...', '...'],
    ['read', '/var/task/files/a.txt', 'a.txt'], // plain file name under an app-chosen directory
    ['write', '/tmp/uploads/a.txt', 'a.txt'],
    ['write', '/tmp/abs.txt', '/tmp/abs.txt'], // absolute input into /tmp
    ['read', '/var/task/files/../x', '.'], // 1-char input
    ['read', '/var/task/../task/files/x', 'files/x'], // the app's own `..`
  ] as const)('negative: %s %s with input %s', (op, path, input) => {
    expect(detectPath(op, path, I(input), roots)).toBeUndefined();
  });
});

describe('behavioural rules (no input)', () => {
  test.each([
    ['read', '/proc/self/environ', 'sensitive_file/proc_environ/critical'],
    ['open', '/proc/1/environ', 'sensitive_file/proc_environ/critical'],
    ['read', '/proc/self/task/12/environ', 'sensitive_file/proc_environ/critical'],
    ['read', '//proc/./self/../self/environ', 'sensitive_file/proc_environ/critical'],
    ['read', '/proc/thread-self/mem', 'sensitive_file/proc_mem/critical'],
    ['read', '/proc/self/maps', 'sensitive_file/proc_maps/medium'],
    ['read', '/etc/shadow', 'sensitive_file/shadow/critical'],
    ['read', '/root/.aws/credentials', 'sensitive_file/credentials_file/high'],
    ['read', '/var/runtime/index.mjs', 'sensitive_file/runtime_source/medium'],
    ['list', '/var/runtime', 'sensitive_file/runtime_source/medium'],
    ['write', '/var/task/index.js', 'sensitive_file/write_outside_tmp/high'],
    ['rename', '/etc/cron.d/x', 'sensitive_file/write_outside_tmp/medium'],
    ['chmod', '/tmp/payload', 'dropper/chmod_tmp/high'],
  ] as const)('%s %s → %s', (op, path, expected) => {
    expect(kind(detectPath(op, path, [], roots))).toBe(expected);
  });

  test.each([
    ['read', '/var/task/index.js'], // own source without input: module loading, config files
    ['read', '/etc/passwd'], // without input: libraries read it (os.userInfo)
    ['stat', '/proc/self/environ'],
    ['read', '/proc/self/status'],
    ['read', '/proc/cpuinfo'],
    ['write', '/tmp/x'],
    ['write', '/dev/null'],
    ['write', '/proc/self/fd/1'],
    ['read', '/opt/sentinel/agent.cjs'],
  ] as const)('%s %s is not flagged', (op, path) => {
    expect(detectPath(op, path, [], roots)).toBeUndefined();
  });

  test('the sandbox roots are honoured', () => {
    const sandbox: Roots = {
      taskRoot: '/home/u/code',
      runtimeDir: '/home/u/rt',
      layerRoot: '/home/u/layer',
      tmpDirs: ['/tmp/env-1/'],
    };
    expect(detectPath('write', '/tmp/env-1/x', [], sandbox)).toBeUndefined();
    expect(kind(detectPath('write', '/tmp/other', [], sandbox))).toBe('sensitive_file/write_outside_tmp/medium');
    expect(kind(detectPath('read', '/home/u/rt/index.mjs', [], sandbox))).toBe('sensitive_file/runtime_source/medium');
  });

  test('procLeaf', () => {
    expect(procLeaf('/proc/self/environ')).toBe('environ');
    expect(procLeaf('/proc/sys/kernel')).toBeUndefined();
    expect(procLeaf('/proc/12/task/13/mem')).toBe('mem');
  });
});

test('property: random paths never throw; an input absent from the path never correlates', () => {
  const seg = fc.constantFrom('..', '.', 'a', 'etc', 'proc', 'self', 'environ', 'tmp', 'x.txt', '');
  const pathArb = fc.array(seg, { maxLength: 8 }).map((s) => s.join('/'));
  fc.assert(
    fc.property(
      fc.oneof(pathArb, fc.string()),
      fc.oneof(pathArb, fc.string()),
      fc.constantFrom('read', 'write', 'open', 'chmod') as fc.Arbitrary<'read'>,
      (path, value, op) => {
        const v = detectPath(op, path, [{ path: '$.x', value }], roots);
        if (!path.includes(value) && v) expect(v.input).toBeUndefined();
      },
    ),
    { numRuns: 2000 },
  );
});
