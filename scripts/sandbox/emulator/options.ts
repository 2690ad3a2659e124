/** Options of an execution environment, and their defaults. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AwsStackLike } from './aws-stack';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_INIT_TIMEOUT_MS,
  DEFAULT_REGION,
  RUNTIME_SHUTDOWN_SHARE_MS,
  SHUTDOWN_BUDGET_EXTERNAL_MS,
} from './constants';

export interface FunctionEnvironmentOptions {
  /** Directory playing /var/task (LAMBDA_TASK_ROOT). */
  codeDir: string;
  /** `_HANDLER`, e.g. `index.handler`; a leading `/opt/` is mapped to the layer dir. */
  handler: string;
  /** Directory playing /opt (its `extensions/` are launched). */
  layerDir?: string;
  /** Function configuration variables (ignored when `aws` knows the function: its configuration wins). */
  env?: Record<string, string>;
  /** Node binary (its directory heads PATH, like /var/lang/bin). Default: the current node. */
  node?: string;
  /** `ric` makes the emulated bootstrap run AWS's aws-lambda-ric (SANDBOX_RUNTIME=ric). */
  runtime?: 'builtin' | 'ric';
  timeoutMs?: number;
  memoryMb?: number;
  functionName?: string;
  logFormat?: 'Text' | 'JSON';
  aws?: AwsStackLike;
  region?: string;
  accountId?: string;
  /** Runtime entry (like /var/runtime/bootstrap). Default: build/sandbox/runtime/bootstrap. */
  bootstrap?: string;
  /** On-demand init limit (Lambda: 10 s). */
  initTimeoutMs?: number;
  /** Shutdown budget with external extensions (Lambda: 2 000 ms) and the runtime's share (300 ms). */
  shutdownBudgetMs?: number;
  runtimeShutdownShareMs?: number;
  /** The environment's /tmp; created when absent. */
  tmpDir?: string;
}

export interface ResolvedOptions {
  codeDir: string;
  handler: string;
  layerDir?: string;
  env: Record<string, string>;
  nodeBinary: string;
  nodeMajor: number;
  runtime: 'builtin' | 'ric';
  timeoutMs: number;
  memoryMb: number;
  functionName: string;
  logFormat: 'Text' | 'JSON';
  aws?: AwsStackLike;
  region: string;
  accountId: string;
  bootstrap: string;
  runtimeDir: string;
  initTimeoutMs: number;
  shutdownBudgetMs: number;
  runtimeShutdownShareMs: number;
  tmpDir: string;
}

/** The repository root, found from this module's location (works from sources and from the CLI bundle). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sentinel-lambda') return dir;
      } catch {
        // keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export function defaultBootstrap(): string {
  return join(repoRoot(), 'build', 'sandbox', 'runtime', 'bootstrap');
}

export function nodeMajorOf(node: string): number {
  if (node === process.execPath) return Number(process.versions.node.split('.')[0]);
  const v = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  return Number(v.split('.')[0]);
}

export function resolveOptions(o: FunctionEnvironmentOptions): ResolvedOptions {
  const nodeBinary = resolve(o.node ?? process.execPath);
  const bootstrap = resolve(o.bootstrap ?? defaultBootstrap());
  const region = o.region ?? o.aws?.env.AWS_REGION ?? DEFAULT_REGION;
  return {
    codeDir: resolve(o.codeDir),
    handler: o.handler,
    layerDir: o.layerDir ? resolve(o.layerDir) : undefined,
    env: { ...(o.env ?? {}) },
    nodeBinary,
    nodeMajor: nodeMajorOf(nodeBinary),
    runtime: o.runtime ?? 'builtin',
    timeoutMs: o.timeoutMs ?? 3_000,
    memoryMb: o.memoryMb ?? 128,
    functionName: o.functionName ?? 'sandbox-function',
    logFormat: o.logFormat ?? 'Text',
    aws: o.aws,
    region,
    accountId: o.accountId ?? o.aws?.accountId ?? DEFAULT_ACCOUNT_ID,
    bootstrap,
    runtimeDir: dirname(bootstrap),
    initTimeoutMs: o.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
    shutdownBudgetMs: o.shutdownBudgetMs ?? SHUTDOWN_BUDGET_EXTERNAL_MS,
    runtimeShutdownShareMs: o.runtimeShutdownShareMs ?? RUNTIME_SHUTDOWN_SHARE_MS,
    tmpDir: o.tmpDir ?? mkdtempSync(join(tmpdir(), 'sentinel-env-')),
  };
}
