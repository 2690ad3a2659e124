import { posix } from 'node:path';
import fc from 'fast-check';
import { normalizePath } from './paths';

/** The definition normalizePath's fast path must agree with. */
function reference(p: string, cwd: string): string {
  const n = posix.normalize(p.startsWith('/') ? p : `${cwd}/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

describe('normalizePath', () => {
  test.each([
    ['/var/task/a.txt', '/var/task/a.txt'],
    ['/var/task/../../etc/passwd', '/etc/passwd'],
    ['/var//task/./a', '/var/task/a'],
    ['/var/task/', '/var/task'],
    ['/', '/'],
    ['a/b', '/var/task/a/b'],
    ['/tmp/.hidden', '/tmp/.hidden'],
    ['/tmp/a..b', '/tmp/a..b'],
  ])('%s → %s', (p, expected) => {
    expect(normalizePath(p, '/var/task')).toBe(expected);
  });

  test('agrees with posix.normalize on arbitrary paths (fast path included)', () => {
    const seg = fc.constantFrom('', '.', '..', 'a', 'b.c', '.x', 'x..', '...');
    const path = fc
      .tuple(fc.boolean(), fc.array(seg, { maxLength: 6 }), fc.boolean())
      .map(([abs, parts, trail]) => `${abs ? '/' : ''}${parts.join('/')}${trail ? '/' : ''}`)
      .filter((p) => p.length > 0);
    fc.assert(fc.property(path, (p) => normalizePath(p, '/var/task') === reference(p, '/var/task')));
  });
});
