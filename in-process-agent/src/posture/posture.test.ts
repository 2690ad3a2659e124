import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentMessage } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { Invocation } from '../context/invocation';
import { Agent } from '../core/agent';
import type { Verdict } from '../detectors/types';
import { hardenState, hardenVerdict, supportsPermissionModel } from './harden';
import { describeReplacement } from './identity';
import { AgentPosture } from './index';
import { ModuleInventory } from './inventory';
import { batched, pool, readVersion, scanTmp, settleEntry, type TmpState } from './io';
import { MAX_LEDGER_ENTRIES, TmpLedger } from './ledger';
import { packageDirOf, rootKindOf } from './paths';
import { fitRecord, RECORD_MAX_BYTES } from './record';

const roots = {
  taskRoot: '/var/task',
  runtimeDir: '/var/runtime',
  layerRoot: '/opt',
  tmpDirs: ['/tmp'],
};

describe('packageDirOf / rootKindOf', () => {
  it('finds the innermost package, scoped names and pnpm layouts; not the function’s own files', () => {
    expect(packageDirOf('/var/task/node_modules/a/lib/x.js')).toEqual({ name: 'a', dir: '/var/task/node_modules/a' });
    expect(packageDirOf('/var/task/node_modules/@s/b/index.js')).toEqual({
      name: '@s/b',
      dir: '/var/task/node_modules/@s/b',
    });
    expect(packageDirOf('/var/task/node_modules/a/node_modules/c/i.js')?.name).toBe('c');
    expect(packageDirOf('/var/task/node_modules/.pnpm/x@1/node_modules/x/i.js')?.name).toBe('x');
    expect(packageDirOf('/var/task/node_modules/.bin/tool')).toBeUndefined();
    expect(packageDirOf('/var/task/index.js')).toBeUndefined();
    expect(packageDirOf('/var/task/node_modules/@s')).toBeUndefined();
  });

  it('classifies task, runtime and layer before tmp (roots may lie under /tmp in a sandbox)', () => {
    expect(rootKindOf('/var/task/node_modules/a/i.js', roots)).toBe('task');
    expect(rootKindOf('/var/runtime/node_modules/x/i.js', roots)).toBe('runtime');
    expect(rootKindOf('/opt/nodejs/node_modules/x/i.js', roots)).toBe('layer');
    expect(rootKindOf('/tmp/evil/node_modules/x/i.js', roots)).toBe('tmp');
    expect(rootKindOf('/home/x/node_modules/y/i.js', roots)).toBe('other');
    const sandbox = { ...roots, taskRoot: '/tmp/code', layerRoot: '/tmp/layer' };
    expect(rootKindOf('/tmp/code/node_modules/a/i.js', sandbox)).toBe('task');
    expect(rootKindOf('/tmp/layer/nodejs/node_modules/a/i.js', sandbox)).toBe('layer');
  });
});

describe('ModuleInventory', () => {
  it('keeps one entry per package directory with when it was first loaded', () => {
    const inv = new ModuleInventory(roots);
    const init = () => ({ phase: 'init' as const });
    expect(inv.onFile('/var/task/index.js', init)).toBeUndefined();
    expect(inv.onFile('/var/task/node_modules/a/i.js', init)).toMatchObject({ name: 'a', root: 'task', files: 1 });
    expect(inv.onFile('/var/task/node_modules/a/j.js', init)).toBeUndefined();
    const late = inv.onFile('/var/task/node_modules/b/i.js', () => ({ phase: 'invoke', requestId: 'r1' }));
    expect(late?.first).toEqual({ phase: 'invoke', requestId: 'r1' });
    expect(inv.packages.get('/var/task/node_modules/a')?.files).toBe(2);
    expect([inv.files, inv.appFiles]).toEqual([4, 1]);
  });

  it('reports a dangerous builtin once per loading package, and ignores the harmless ones', () => {
    const inv = new ModuleInventory(roots);
    const seen = () => ({ phase: 'invoke' as const, requestId: 'r' });
    expect(inv.onBuiltin('path', '/var/task/index.js', seen)).toBeUndefined();
    expect(inv.onBuiltin('child_process', '/var/task/node_modules/a/x.js', seen)).toMatchObject({
      builtin: 'child_process',
      package: 'a',
    });
    expect(inv.onBuiltin('child_process', '/var/task/node_modules/a/x.js', seen)).toBeUndefined();
    expect(inv.onBuiltin('child_process', '/var/task/node_modules/a/y.js', seen)).toBeUndefined();
    expect(inv.onBuiltin('child_process', '/var/task/index.js', seen)?.package).toBe('(function)');
    expect(inv.onBuiltin('worker_threads', undefined, seen)?.package).toBe('(function)');
  });
});

describe('TmpLedger', () => {
  it('is the dropped-file set and notes which invocation created and last wrote each file', () => {
    let current = 'init';
    const ledger = new TmpLedger().bind(() =>
      current === 'init' ? { phase: 'init' } : { phase: 'invoke', requestId: current },
    );
    ledger.add('/tmp/a');
    current = 'r1';
    ledger.add('/tmp/b');
    ledger.add('/tmp/a');
    expect(ledger.has('/tmp/a') && ledger.has('/tmp/b')).toBe(true);
    expect(ledger.size).toBe(2);
    expect(ledger.describe('/tmp/a')).toMatchObject({ createdIn: 'init', lastWrittenIn: 'r1', dirty: true });
    expect(ledger.describe('/tmp/b')).toMatchObject({ createdIn: 'r1', lastWrittenIn: 'r1' });
    // /tmp/a was written before r1 started: its survival is still open after r1.
    expect(ledger.unconfirmed('r1')).toBe(true);
    const a = ledger.describe('/tmp/a')!;
    const b = ledger.describe('/tmp/b')!;
    expect(ledger.confirm(a, 'r1')).toBe(true);
    expect(ledger.confirm(a, 'r2')).toBe(false);
    expect(ledger.unconfirmed('r1')).toBe(false); // only r1's own file is open
    expect(ledger.unconfirmed('r2')).toBe(true);
    expect(ledger.gone(b)).toBe(true);
    expect(ledger.gone(b)).toBe(false);
    expect(ledger.unconfirmed('r2')).toBe(false);
  });

  it('bounds its entries but still remembers every dropped file', () => {
    const ledger = new TmpLedger();
    for (let i = 0; i < MAX_LEDGER_ENTRIES + 5; i++) ledger.add(`/tmp/f${i}`);
    expect(ledger.files.size).toBe(MAX_LEDGER_ENTRIES);
    expect(ledger.overflow).toBe(5);
    expect(ledger.has(`/tmp/f${MAX_LEDGER_ENTRIES + 4}`)).toBe(true);
  });
});

describe('io (real files)', () => {
  const g = { guard: 0 };
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'posture-io-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads package versions and refuses junk', () => {
    const ok = join(dir, 'ok');
    const bad = join(dir, 'bad');
    fs.mkdirSync(ok);
    fs.mkdirSync(bad);
    fs.writeFileSync(join(ok, 'package.json'), '{"name":"ok","version":"1.2.3-beta.1"}');
    fs.writeFileSync(join(bad, 'package.json'), '{"version":"1.0.0; rm -rf /"}');
    const huge = join(dir, 'huge');
    fs.mkdirSync(huge);
    fs.writeFileSync(join(huge, 'package.json'), `{"version":"1.0.0","x":"${'y'.repeat(1024 * 1024)}"}`);
    expect(readVersion(g, fs, ok)).toBe('1.2.3-beta.1');
    expect(readVersion(g, fs, bad)).toBeNull();
    expect(readVersion(g, fs, huge)).toBeNull();
    expect(readVersion(g, fs, join(dir, 'missing'))).toBeNull();
    expect(g.guard).toBe(0);
  });

  it('settles a ledger entry: size, executable bit, sha256 of small files, skips large ones, directories, FIFOs', () => {
    const small = join(dir, 'small.sh');
    fs.writeFileSync(small, '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const large = join(dir, 'large.bin');
    fs.writeFileSync(large, Buffer.alloc(64 * 1024 + 1));
    const settle = (path: string): Record<string, unknown> => {
      const e = { path, createdIn: 'r', lastWrittenIn: 'r', dirty: true };
      settleEntry(g, fs, e);
      return e;
    };
    expect(settle(small)).toMatchObject({
      exists: true,
      size: 18,
      executable: true,
      sha256: createHash('sha256').update('#!/bin/sh\necho hi\n').digest('hex'),
    });
    const l = settle(large);
    expect(l).toMatchObject({ exists: true, size: 64 * 1024 + 1, skipped: 'too_large' });
    expect(l.sha256).toBeUndefined();
    expect(settle(dir)).toMatchObject({ exists: true, skipped: 'not_a_file' });
    expect(settle(join(dir, 'gone'))).toMatchObject({ exists: false });
    const fifo = join(dir, 'fifo');
    require('node:child_process').execFileSync('mkfifo', [fifo]);
    expect(settle(fifo)).toMatchObject({ exists: true, skipped: 'not_a_file' });
    fs.symlinkSync(small, join(dir, 'link'));
    expect(settle(join(dir, 'link'))).toMatchObject({ exists: true, skipped: 'not_a_file' });
    expect(g.guard).toBe(0);
  });

  it('walks the tmp dir within bounds, without following symlink loops, leaving out the channel dir', async () => {
    const t = join(dir, 'tmp');
    fs.mkdirSync(join(t, 'sub', 'deeper'), { recursive: true });
    fs.mkdirSync(join(t, '.sentinel'));
    fs.writeFileSync(join(t, 'a'), 'xx');
    fs.writeFileSync(join(t, 'sub', 'deeper', 'b'), 'yyy');
    fs.writeFileSync(join(t, '.sentinel', 'agent.sock'), 'zz');
    fs.symlinkSync(t, join(t, 'sub', 'loop'));
    const s = await new Promise<TmpState>((r) => scanTmp(g, fs, t, join(t, '.sentinel'), r));
    expect(s).toMatchObject({ dir: t, writable: true, files: 2, bytes: 5, truncated: false });
  });

  it('batched runs every item, yielding to the event loop between batches, also when items throw', async () => {
    const ran: number[] = [];
    let otherWorkRan = false;
    const items = Array.from({ length: 10 }, (_, i) => () => {
      ran.push(i);
      if (i === 2) throw new Error('boom');
    });
    let ranBeforeSecondBatch: boolean | undefined;
    items.splice(4, 0, () => {
      ranBeforeSecondBatch = otherWorkRan;
    });
    setImmediate(() => {
      otherWorkRan = true;
    });
    await new Promise<void>((r) => batched(items, 4, r));
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ranBeforeSecondBatch).toBe(true);
  });

  it('pool runs every task with bounded concurrency, also when tasks fail', async () => {
    let active = 0;
    let peak = 0;
    let ran = 0;
    const tasks = Array.from({ length: 10 }, (_, i) => (next: () => void) => {
      active++;
      peak = Math.max(peak, active);
      ran++;
      if (i === 3) {
        active--;
        throw new Error('boom');
      }
      setImmediate(() => {
        active--;
        next();
      });
    });
    await new Promise<void>((r) => pool(tasks, 3, r));
    expect(ran).toBe(10);
    expect(peak).toBeLessThanOrEqual(3);
  });
});

describe('harden', () => {
  it('knows which Node versions have the stable permission model', () => {
    expect(supportsPermissionModel('v20.20.2')).toBe(false);
    expect(supportsPermissionModel('v22.12.0')).toBe(false);
    expect(supportsPermissionModel('v22.13.0')).toBe(true);
    expect(supportsPermissionModel('v24.0.0')).toBe(true);
    expect(supportsPermissionModel('garbage')).toBe(false);
  });

  it('reads the grants from process.permission and reports a requested but missing hardening', () => {
    const grants = new Set(['fs.write:/tmp', 'worker']);
    const perm = { has: (s: string, ref?: string) => grants.has(ref ? `${s}:${ref}` : s) };
    const on = hardenState(true, { version: 'v22.20.0', permission: perm }, { tmp: '/tmp', task: '/var/task' });
    expect(on).toMatchObject({
      active: true,
      allows: { childProcess: false, worker: true, fsWriteTmp: true, fsWriteTask: false },
    });
    expect(hardenVerdict(on)).toBeUndefined();
    const old = hardenState(true, { version: 'v20.20.2' }, { tmp: '/tmp', task: '/var/task' });
    expect(hardenVerdict(old)).toMatchObject({
      category: 'configuration',
      kind: 'harden_unavailable',
      details: { node: 'v20.20.2', reason: 'node_too_old' },
    });
    const missing = hardenState(true, { version: 'v24.1.0' }, { tmp: '/tmp', task: '/var/task' });
    expect(hardenVerdict(missing)?.details?.reason).toBe('not_applied');
    expect(hardenVerdict(hardenState(false, { version: 'v20.0.0' }, { tmp: '/tmp', task: '/t' }))).toBeUndefined();
  });
});

describe('describeReplacement', () => {
  it('says what replaced a function without its source', () => {
    function readFileSync(_p: string) {
      return 'fake';
    }
    const d = describeReplacement(readFileSync, fs.readFileSync);
    expect(d).toMatchObject({
      replacementType: 'function',
      replacementName: 'readFileSync',
      replacementLength: 1,
      replacementNative: false,
      restoredOriginal: false,
    });
    expect(d.replacementSha256).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(d)).not.toContain('fake');
    expect(describeReplacement(Math.max, Math.max)).toMatchObject({ replacementNative: true, restoredOriginal: true });
    expect(describeReplacement(undefined)).toEqual({ replacementType: 'undefined', restoredOriginal: false });
  });
});

describe('fitRecord', () => {
  it('cuts long lists until the record fits one frame, counting what was cut', () => {
    const packages = Array.from({ length: 3000 }, (_, i) => ({
      name: `package-${i}-${'x'.repeat(20)}`,
      version: '1.0.0',
      root: 'task',
    }));
    const files = Array.from({ length: 64 }, (_, i) => ({ path: `/tmp/${'y'.repeat(150)}${i}` }));
    const data = fitRecord({ modules: { packages, truncated: 0 }, tmp: { ledger: { files, listed: 64 } } });
    expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThanOrEqual(RECORD_MAX_BYTES);
    const m = data.modules as { packages: unknown[]; truncated: number };
    expect(m.packages.length + m.truncated).toBe(3000);
  });
});

describe('AgentPosture with an agent', () => {
  function setup() {
    const env = {};
    const agent = new Agent(parseConfig(env).config, roots, env);
    const sent: AgentMessage[] = [];
    agent.setSender((m) => sent.push(m));
    const posture = new AgentPosture(agent, { attach: 'wrapper', tmpDir: '/tmp', channelDir: '/tmp/.sentinel' });
    agent.posture = posture;
    const findings = () => sent.flatMap((m) => (m.t === 'finding' ? [m.finding] : [])) as Finding[];
    return { agent, posture, sent, findings };
  }

  it('replaces the dropped-file set with its ledger and keeps earlier entries', () => {
    const env = {};
    const agent = new Agent(parseConfig(env).config, roots, env);
    agent.droppedFiles.add('/tmp/early');
    const posture = new AgentPosture(agent, { attach: 'wrapper', tmpDir: '/tmp', channelDir: '/tmp/.sentinel' });
    expect(agent.droppedFiles).toBe(posture.ledger);
    expect(agent.droppedFiles.has('/tmp/early')).toBe(true);
  });

  it('raises late-package and late-builtin findings only after init', () => {
    const { agent, posture, findings } = setup();
    posture.onModuleFile('/var/task/node_modules/early/i.js');
    posture.onBuiltin('net', '/var/task/node_modules/early/i.js');
    expect(findings()).toEqual([]);
    const inv = new Invocation('req-9', {});
    agent.context.run(inv, () => {
      posture.onModuleFile('/var/task/node_modules/late/i.js');
      posture.onBuiltin('child_process', '/var/task/node_modules/late/i.js');
      posture.onBuiltin('net', '/var/task/node_modules/early/i.js'); // already loaded by this package at init
    });
    expect(findings().map((f) => [f.kind, f.requestId, f.details?.loadedPackage ?? f.details?.builtin])).toEqual([
      ['late_package', 'req-9', 'late'],
      ['late_dangerous_builtin', 'req-9', 'child_process'],
    ]);
  });

  it('adds the ledger facts to dropper verdicts', () => {
    const { agent, posture } = setup();
    agent.context.run(new Invocation('req-1', {}), () => agent.droppedFiles.add('/tmp/x.sh'));
    const v: Verdict = {
      category: 'dropper',
      kind: 'dropped_file_exec',
      severity: 'critical',
      confidence: 'high',
      title: 't',
      details: { file: '/tmp/x.sh' },
    };
    agent.context.run(new Invocation('req-2', {}), () => posture.enrichDropper(v));
    expect(v.details).toMatchObject({ writtenIn: 'req-1', crossInvocation: true });
  });
});
