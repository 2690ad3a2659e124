/** Parsing and validation of `sentinel sandbox` options (bad input → UsageError → exit 2). */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

export const SANDBOX_USAGE =
  'sentinel sandbox --code DIR --handler FILE.EXPORT [--layer DIR] [--event JSON|@FILE]... [--env K=V]... ' +
  '[--node PATH] [--runtime builtin|ric] [--timeout S] [--memory MB] [--log-format Text|JSON] [--name FUNCTION] ' +
  '[--no-aws] [--json]';

export interface SandboxArgs {
  codeDir: string;
  handler: string;
  layerDir?: string;
  events: unknown[];
  env: Record<string, string>;
  node?: string;
  runtime: 'builtin' | 'ric';
  timeoutMs: number;
  memoryMb: number;
  logFormat: 'Text' | 'JSON';
  functionName: string;
  aws: boolean;
  json: boolean;
}

function directory(flag: string, v: string): string {
  const p = resolve(v);
  let ok = false;
  try {
    ok = statSync(p).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${flag}: ${v} is not a directory`);
  return p;
}

function parseEvent(v: string): unknown {
  let text = v;
  if (v.startsWith('@')) {
    try {
      text = readFileSync(resolve(v.slice(1)), 'utf8');
    } catch {
      throw new UsageError(`--event: cannot read ${v.slice(1)}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--event: not valid JSON: ${v.length > 80 ? `${v.slice(0, 80)}…` : v}`);
  }
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    const key = eq > 0 ? p.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`--env: expected KEY=VALUE, got "${p}"`);
    env[key] = p.slice(eq + 1);
  }
  return env;
}

function numberIn(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got "${v}"`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  const hit = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
  if (!hit) throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}, got "${v}"`);
  return hit;
}

export function parseSandboxArgs(argv: string[]): SandboxArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      code: { type: 'string' },
      handler: { type: 'string' },
      layer: { type: 'string' },
      event: { type: 'string', multiple: true },
      env: { type: 'string', multiple: true },
      node: { type: 'string' },
      runtime: { type: 'string', default: 'builtin' },
      timeout: { type: 'string', default: '3' },
      memory: { type: 'string', default: '128' },
      'log-format': { type: 'string', default: 'Text' },
      name: { type: 'string', default: 'sandbox-function' },
      'no-aws': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.code) throw new UsageError('--code is required');
  if (!values.handler) throw new UsageError('--handler is required');
  if (!/^[^.]+\..+$/.test(values.handler.split('/').pop() ?? '')) {
    throw new UsageError(`--handler: expected FILE.EXPORT, got "${values.handler}"`);
  }
  let node: string | undefined;
  if (values.node) {
    node = resolve(values.node);
    try {
      accessSync(node, constants.X_OK);
    } catch {
      throw new UsageError(`--node: ${values.node} is not an executable`);
    }
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(values.name))
    throw new UsageError(`--name: invalid function name "${values.name}"`);
  return {
    codeDir: directory('--code', values.code),
    handler: values.handler,
    layerDir: values.layer ? directory('--layer', values.layer) : undefined,
    events: (values.event ?? []).map(parseEvent),
    env: parseEnv(values.env ?? []),
    node,
    runtime: oneOf('--runtime', values.runtime, ['builtin', 'ric'] as const),
    timeoutMs: Math.round(numberIn('--timeout', values.timeout, 1, 900) * 1000),
    memoryMb: Math.round(numberIn('--memory', values.memory, 128, 10_240)),
    logFormat: oneOf('--log-format', values['log-format'], ['Text', 'JSON'] as const),
    functionName: values.name,
    aws: !values['no-aws'],
    json: values.json,
  };
}
