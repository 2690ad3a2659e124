/**
 * What a blocked asynchronous spawn returns: a ChildProcess that never ran, with empty stdio, that fails like a
 * spawn error does ('error' then 'close'), so code waiting on it is released.
 */
import type * as cp from 'node:child_process';
import type * as stream from 'node:stream';

export function blockedChild(ChildProcess: typeof cp.ChildProcess, error: Error): cp.ChildProcess {
  const { Readable, Writable } = require('node:stream') as typeof stream;
  const child = new ChildProcess();
  const stdin = new Writable({ write: (_c, _e, cb) => cb() });
  const stdout = new Readable({ read() {} });
  const stderr = new Readable({ read() {} });
  Object.assign(child, { stdin, stdout, stderr, stdio: [stdin, stdout, stderr], spawnfile: undefined });
  process.nextTick(() => {
    // Only when someone listens: an unhandled 'error' would crash the process, and hooks never throw into user code.
    if (child.listenerCount('error') > 0) child.emit('error', error);
    stdout.push(null);
    stderr.push(null);
    child.emit('close', null, null);
  });
  return child;
}

/** spawnSync's own failure shape (it reports spawn errors in `error` instead of throwing). */
export function blockedSpawnSyncResult(error: Error): cp.SpawnSyncReturns<Buffer> {
  return { pid: 0, output: [], stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), status: null, signal: null, error };
}
