/**
 * Test helpers: bundle this folder's runtime into a temp "runtime dir" (bootstrap + bootstrap.mjs, like
 * build/sandbox/runtime) and start it as a real child process with a Lambda-like environment.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

export const RUNTIME_SRC_DIR = resolve(__dirname, '..');
export const REPO_ROOT = resolve(RUNTIME_SRC_DIR, '..', '..', '..');
export const HANDLER_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'handlers');

/** Bundles bootstrap.ts the way scripts/build/build.mjs does; returns the directory (remove it when done). */
export async function bundleRuntime(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-runtime-'));
  await build({
    entryPoints: [join(RUNTIME_SRC_DIR, 'bootstrap.ts')],
    outfile: join(dir, 'bootstrap.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
  });
  copyFileSync(join(RUNTIME_SRC_DIR, 'bootstrap.sh'), join(dir, 'bootstrap'));
  chmodSync(join(dir, 'bootstrap'), 0o755);
  return dir;
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export interface RuntimeRun {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Stdout split into lines (records), without the trailing empty one. */
  lines(): string[];
  /** Bytes the runtime wrote to the telemetry fd (when `telemetryFd`). */
  telemetry(): Buffer;
  /**
   * Stdout once `done(stdout)` holds (or what there is after `timeoutMs`): the child's pipe and its Runtime API
   * socket are read independently, so a line logged right before a post may arrive after the post.
   */
  stdoutWhen(done: (out: string) => boolean, timeoutMs?: number): Promise<string>;
  kill(): void;
}

export interface StartOptions {
  runtimeDir: string;
  node: string;
  runtimeApi: string;
  taskRoot: string;
  handler: string;
  env?: Record<string, string | undefined>;
  /** Open fd 3 as a pipe and pass it as `_LAMBDA_TELEMETRY_LOG_FD` (collected by `telemetry()`). */
  telemetryFd?: boolean;
}

/** The environment the emulator gives the runtime (see README.md), minus anything from the test process. */
export function lambdaEnv(o: StartOptions): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: `${dirname(o.node)}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_LAMBDA_RUNTIME_API: o.runtimeApi,
    _HANDLER: o.handler,
    LAMBDA_TASK_ROOT: o.taskRoot,
    LAMBDA_RUNTIME_DIR: o.runtimeDir,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'fixture',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fixture',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    ...o.env,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export function startRuntime(o: StartOptions): RuntimeRun {
  const env = lambdaEnv(o);
  if (o.telemetryFd) env._LAMBDA_TELEMETRY_LOG_FD = '3';
  const child = spawn(join(o.runtimeDir, 'bootstrap'), [], {
    cwd: o.taskRoot,
    env,
    stdio: o.telemetryFd ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
  });
  const frames: Buffer[] = [];
  if (o.telemetryFd) (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => frames.push(d));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on('close', (code, signal) => resolveExit({ code, signal }));
  });
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    lines: () => out.split('\n').filter((l) => l.length > 0),
    telemetry: () => Buffer.concat(frames),
    stdoutWhen: async (done, timeoutMs = 5_000) => {
      const end = Date.now() + timeoutMs;
      while (!done(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return out;
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
