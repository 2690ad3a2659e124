import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { diffHashes } from './diff';
import { Pacer } from './pacer';
import { hashesOf, hashTree } from './tree-hash';

describe('hashTree', () => {
  let root: string;
  const write = (rel: string, content: string | Buffer) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  };
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'posture-tree-'));
    write('index.mjs', 'export const handler = async () => 1;');
    write('lib/util.js', 'module.exports = 1;');
    write('node_modules/dep/index.js', 'module.exports = 2;');
    write('node_modules/dep/package.json', '{"name":"dep","version":"1.0.0"}');
  });
  afterEach(() => {
    chmodSync(root, 0o755);
    rmSync(root, { recursive: true, force: true });
  });

  it('hashes every file, own code before node_modules, with a stable digest', async () => {
    const a = await hashTree(root);
    expect([...a.files.keys()]).toEqual([
      'index.mjs',
      'lib/util.js',
      'node_modules/dep/index.js',
      'node_modules/dep/package.json',
    ]);
    expect(a.truncated).toBe(false);
    expect(a.bytes).toBeGreaterThan(0);
    const b = await hashTree(root);
    expect(b.digest).toBe(a.digest);
  });

  it('budget: stops at maxFiles with the handler’s own files first and marks the result truncated', async () => {
    const t = await hashTree(root, { limits: { maxFiles: 2 } });
    expect([...t.files.keys()]).toEqual(['index.mjs', 'lib/util.js']);
    expect(t.truncated).toBe(true);
  });

  it('does not follow symlinks (no loops), skips sockets/unreadable files with counts, records too-large files', async () => {
    symlinkSync(root, path.join(root, 'loop'));
    symlinkSync('/etc/passwd', path.join(root, 'passwd-link'));
    write('secret.txt', 'x');
    chmodSync(path.join(root, 'secret.txt'), 0o000);
    write('big.bin', Buffer.alloc(2048));
    const t = await hashTree(root, { limits: { maxFileBytes: 1024 } });
    expect(t.files.get('loop')?.hash).toMatch(/^link:/);
    expect(t.files.get('passwd-link')?.hash).toMatch(/^link:/);
    expect(t.files.get('big.bin')?.hash).toBe('big:2048');
    expect(t.skipped.tooLarge).toBe(1);
    if (process.getuid?.() !== 0) expect(t.skipped.unreadable).toBe(1);
  });

  it('re-check: a rewritten file is found even with its mtime restored; unchanged files are not re-read', async () => {
    const before = await hashTree(root);
    const p = path.join(root, 'lib/util.js');
    write('lib/util.js', 'module.exports = 3;');
    utimesSync(p, before.files.get('lib/util.js')!.mtimeMs / 1000, before.files.get('lib/util.js')!.mtimeMs / 1000);
    write('lib/new.js', 'x');
    rmSync(path.join(root, 'node_modules/dep/index.js'));
    const after = await hashTree(root, { previous: before });
    expect(after.bytesRead).toBe('module.exports = 3;'.length + 1);
    expect(diffHashes(hashesOf(before), hashesOf(after), { oldComplete: true, curComplete: true })).toEqual([
      { path: 'lib/new.js', old: 'absent', new: expect.stringMatching(/^[0-9a-f]{12}$/) },
      {
        path: 'lib/util.js',
        old: expect.stringMatching(/^[0-9a-f]{12}$/),
        new: expect.stringMatching(/^[0-9a-f]{12}$/),
      },
      { path: 'node_modules/dep/index.js', old: expect.stringMatching(/^[0-9a-f]{12}$/), new: 'missing' },
    ]);
  });

  it('a truncated walk never reports files past its budget as removed or new', () => {
    const old = { a: '1'.repeat(16), b: '2'.repeat(16) };
    const cur = { a: '1'.repeat(16) };
    expect(diffHashes(old, cur, { oldComplete: true, curComplete: false })).toEqual([]);
    expect(diffHashes(cur, old, { oldComplete: false, curComplete: true })).toEqual([]);
  });

  it('an unreadable root is an empty, counted result (no throw)', async () => {
    const t = await hashTree(path.join(root, 'does-not-exist'));
    expect(t.files.size).toBe(0);
    expect(t.skipped.unreadable).toBe(1);
  });

  it('the pacer pauses between slices and longer while an invocation is held', async () => {
    const pacer = new Pacer({ sliceMs: 0, pauseMs: 1, busyPauseMs: 5 });
    await hashTree(root, { pacer });
    const idle = pacer.pausedMs;
    expect(idle).toBeGreaterThan(0);
    const release = pacer.hold();
    const t0 = performance.now();
    await pacer.tick();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(4);
    release();
    expect(pacer.busy).toBe(false);
  });
});
