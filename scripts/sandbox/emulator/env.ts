/**
 * Composition of the process environments (lambda-platform.md §1, §2.1; docs/contracts.md "Sandbox conventions").
 * The runtime gets the full function environment; extensions get the reduced set RAPID's AgentExecEnv builds.
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { FUNCTION_VERSION } from './constants';

/** Variables the platform never gives to extensions (besides every name starting with `_`). */
export const EXTENSION_DROPPED_VARS = [
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_XRAY_CONTEXT_MISSING',
  'AWS_XRAY_DAEMON_ADDRESS',
  'LAMBDA_RUNTIME_DIR',
  'LAMBDA_TASK_ROOT',
  '_AWS_XRAY_DAEMON_ADDRESS',
  '_AWS_XRAY_DAEMON_PORT',
  '_HANDLER',
  // Emulator-internal settings of the emulated bootstrap; not part of Lambda's environment.
  'SANDBOX_RUNTIME',
  'SANDBOX_OPT_DIR',
] as const;

/** Values that reference layer files in AWS (`/opt/...`); the sandbox maps `/opt/` to the layer dir. */
export const OPT_MAPPED_VARS = ['AWS_LAMBDA_EXEC_WRAPPER', 'NODE_OPTIONS', '_HANDLER'] as const;

/** Maps every `/opt/` that starts a value or a whitespace/`=`-separated token to `<layerDir>/`. */
export function mapOptPaths(value: string, layerDir: string | undefined): string {
  if (!layerDir) return value;
  const base = layerDir.endsWith('/') ? layerDir : `${layerDir}/`;
  return value.replace(/(^|[\s=])\/opt\//g, (_m, pre: string) => `${pre}${base}`);
}

export interface EnvInputs {
  functionName: string;
  handler: string;
  codeDir: string;
  layerDir?: string;
  runtimeDir: string;
  nodeBinary: string;
  nodeMajor: number;
  memoryMb: number;
  region: string;
  runtimeApi: string;
  tmpDir: string;
  logFormat: 'Text' | 'JSON';
  runtime: 'builtin' | 'ric';
  /** Customer variables (function configuration), including AWS stand-in endpoints. */
  functionEnv: Record<string, string>;
  /** Credentials and other AWS client settings (fake in the sandbox). */
  awsEnv: Record<string, string>;
}

const FAKE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIASANDBOXFAKEKEY00',
  AWS_SECRET_ACCESS_KEY: 'sandbox/fake/secret/access/key/not/real/000',
  AWS_SESSION_TOKEN: 'sandbox-fake-session-token',
};

export function logStreamName(): string {
  const d = new Date();
  const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${day}/[${FUNCTION_VERSION}]${randomBytes(16).toString('hex')}`;
}

/** The runtime process's environment. */
export function runtimeEnvironment(i: EnvInputs, streamName: string): Record<string, string> {
  const env: Record<string, string> = {};
  // Customer variables first: platform variables below win, as reserved names cannot be set on a real function.
  for (const [k, v] of Object.entries(i.functionEnv)) env[k] = v;
  for (const k of OPT_MAPPED_VARS) if (env[k] !== undefined) env[k] = mapOptPaths(env[k], i.layerDir);
  Object.assign(env, FAKE_CREDENTIALS, i.awsEnv);
  const pathTail = ['/usr/local/bin', '/usr/bin/', '/bin', ...(i.layerDir ? [`${i.layerDir}/bin`] : [])];
  Object.assign(env, {
    PATH: [dirname(i.nodeBinary), ...pathTail].join(':'),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    TMPDIR: i.tmpDir,
    _HANDLER: mapOptPaths(i.handler, i.layerDir),
    LAMBDA_TASK_ROOT: i.codeDir,
    LAMBDA_RUNTIME_DIR: i.runtimeDir,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${i.nodeMajor}.x`,
    AWS_REGION: i.region,
    AWS_DEFAULT_REGION: i.region,
    AWS_LAMBDA_FUNCTION_NAME: i.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: FUNCTION_VERSION,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(i.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${i.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: streamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_RUNTIME_API: i.runtimeApi,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
  });
  if (i.layerDir) {
    env.LD_LIBRARY_PATH = `${i.layerDir}/lib`;
    // Tells the emulated bootstrap which directory plays /opt (NODE_PATH entries).
    env.SANDBOX_OPT_DIR = i.layerDir;
  }
  if (i.logFormat === 'JSON') env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
  if (i.runtime === 'ric') env.SANDBOX_RUNTIME = 'ric';
  return env;
}

/** An extension's environment: the function's minus runtime-only variables and every `_`-prefixed name. */
export function extensionEnvironment(runtimeEnv: Record<string, string>): Record<string, string> {
  const dropped = new Set<string>(EXTENSION_DROPPED_VARS);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(runtimeEnv)) {
    if (k.startsWith('_') || dropped.has(k)) continue;
    env[k] = v;
  }
  return env;
}
