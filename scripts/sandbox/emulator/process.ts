/**
 * A child process of the execution environment (runtime or extension): exec'd directly (no shell), in its own
 * process group so a SIGKILL also reaches the children it started, with stdout/stderr captured line by line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { deferred } from './signal';

export type Stream = 'stdout' | 'stderr';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when exec itself failed (ENOENT, EACCES, ENOEXEC ...). */
  spawnError?: string;
}

export interface ManagedProcessOptions {
  env: Record<string, string>;
  cwd: string;
  onLine(stream: Stream, line: string): void;
  onExit(exit: ProcessExit): void;
}

/** Splits a byte stream into lines on `\n` only: a `\r` stays inside the line, as the Node runtime relies on. */
function lineSplitter(onLine: (line: string) => void): { write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return {
    write(chunk) {
      pending += decoder.write(chunk);
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
    },
    end() {
      pending += decoder.end();
      if (pending.length > 0) onLine(pending);
      pending = '';
    },
  };
}

export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  /** Resolves when both output pipes are closed (all lines delivered). */
  readonly closed: Promise<void>;
  exit?: ProcessExit;

  constructor(
    readonly file: string,
    args: string[],
    opts: ManagedProcessOptions,
  ) {
    const exited = deferred<ProcessExit>();
    const closed = deferred<void>();
    this.exited = exited.promise;
    this.closed = closed.promise;
    this.child = spawn(file, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let openStreams = 2;
    const streamDone = () => {
      openStreams -= 1;
      if (openStreams === 0) closed.resolve();
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      const src = this.child[stream];
      if (!src) {
        streamDone();
        continue;
      }
      const splitter = lineSplitter((line) => opts.onLine(stream, line));
      src.on('data', (c: Buffer) => splitter.write(c));
      src.on('close', () => {
        splitter.end();
        streamDone();
      });
      src.on('error', () => undefined);
    }
    const finish = (exit: ProcessExit) => {
      if (this.exit) return;
      this.exit = exit;
      exited.resolve(exit);
      opts.onExit(exit);
    };
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      finish({ code: null, signal: null, spawnError: `${err.code ?? 'Error'}: ${err.message}` });
      closed.resolve();
    });
    this.child.on('exit', (code, signal) => finish({ code, signal }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined && this.child.pid !== undefined;
  }

  /** Signal the process itself (SIGTERM goes only to the runtime/extension, as in Lambda). */
  signal(sig: NodeJS.Signals): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGKILL the whole process group (the process and whatever it started). */
  kill(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // group already gone
    }
    if (this.running) this.child.kill('SIGKILL');
  }

  /** Peak resident memory (VmHWM) in MB, read from /proc while the process lives; 0 when unavailable. */
  peakMemoryMb(): number {
    if (!this.running || this.child.pid === undefined) return 0;
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      return m ? Math.ceil(Number(m[1]) / 1024) : 0;
    } catch {
      return 0;
    }
  }
}
