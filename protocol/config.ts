/**
 * Every SENTINEL_* variable, declared once. The agent, the extension, the template checks and the README's
 * variable table all read this spec. Parsing never throws: an invalid value yields an error naming the
 * variable and the accepted values, and the documented safe default applies (callers decide whether
 * SENTINEL_STRICT_CONFIG turns that into an init failure).
 */
import { CATEGORIES, type Category } from './finding';

export type Mode = 'monitor' | 'block';
export type ResponseMode = 'auto' | 'dry-run' | 'off';
export type MetricsMode = 'emf' | 'api' | 'off';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type ExpectAgent = 'auto' | 'true' | 'false';
export type ContextMode = 'auto' | 'async' | 'serial';

export interface SentinelConfig {
  mode: Mode;
  block: Category[];
  allow: Category[];
  egressAllow: string[];
  execAllow: string[];
  secretVars: string[];
  response: ResponseMode;
  snsTopicArn?: string;
  slackWebhookUrl?: string;
  incidentTable?: string;
  incidentTtlDays: number;
  rules?: string;
  metrics: MetricsMode;
  metricsNamespace: string;
  logLevel: LogLevel;
  strictConfig: boolean;
  expectAgent: ExpectAgent;
  runtimeDoneWaitMs: number;
  urgentActionWaitMs: number;
  integrityIntervalS: number;
  harden: boolean;
  posture: boolean;
  context: ContextMode;
  quarantine?: string;
}

type Kind =
  | { type: 'enum'; values: readonly string[] }
  | { type: 'bool' }
  | { type: 'int'; min: number; max: number }
  | { type: 'list'; values?: readonly string[] }
  | { type: 'string'; pattern?: RegExp; describe?: string };

export interface ConfigVar {
  name: string;
  key: keyof SentinelConfig;
  kind: Kind;
  /** Raw default, as the user would write it; undefined = unset. */
  default?: string;
  /** Set by Sentinel itself, not by users (still documented). */
  internal?: boolean;
  /** Holds a secret: never logged or echoed. */
  secret?: boolean;
  description: string;
}

export const DEFAULT_EGRESS_ALLOW = '*.amazonaws.com,*.amazonaws.com.cn,*.api.aws';

export const CONFIG_SPEC: readonly ConfigVar[] = [
  { name: 'SENTINEL_MODE', key: 'mode', kind: { type: 'enum', values: ['monitor', 'block'] }, default: 'monitor', description: 'Default action of the agent for every category: report only, or stop the operation.' },
  { name: 'SENTINEL_BLOCK', key: 'block', kind: { type: 'list', values: CATEGORIES }, default: '', description: 'Categories that are blocked even in monitor mode (comma list).' },
  { name: 'SENTINEL_ALLOW', key: 'allow', kind: { type: 'list', values: CATEGORIES }, default: '', description: 'Categories that are only reported, even in block mode (comma list).' },
  { name: 'SENTINEL_EGRESS_ALLOW', key: 'egressAllow', kind: { type: 'list' }, default: DEFAULT_EGRESS_ALLOW, description: 'Hosts (exact, `*.suffix` wildcards) and CIDRs allowed for outbound connections.' },
  { name: 'SENTINEL_EXEC_ALLOW', key: 'execAllow', kind: { type: 'list' }, default: '', description: 'Executables the function may start (basenames or absolute paths; `*` allows all).' },
  { name: 'SENTINEL_SECRET_VARS', key: 'secretVars', kind: { type: 'list' }, default: '', description: 'Extra environment variable names treated as credentials (besides AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN).' },
  { name: 'SENTINEL_RESPONSE', key: 'response', kind: { type: 'enum', values: ['auto', 'dry-run', 'off'] }, default: 'auto', description: 'Extension actions: `auto` acts, `dry-run` records what it would do, `off` only records findings.' },
  { name: 'SENTINEL_SNS_TOPIC_ARN', key: 'snsTopicArn', kind: { type: 'string', pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, describe: 'an SNS topic ARN' }, description: 'SNS topic for alerts.' },
  { name: 'SENTINEL_SLACK_WEBHOOK_URL', key: 'slackWebhookUrl', kind: { type: 'string', pattern: /^https?:\/\/\S+$/, describe: 'an http(s) URL' }, secret: true, description: 'Slack incoming-webhook URL for alerts (treated as a secret).' },
  { name: 'SENTINEL_INCIDENT_TABLE', key: 'incidentTable', kind: { type: 'string', pattern: /^[A-Za-z0-9_.-]{3,255}$/, describe: 'a DynamoDB table name' }, description: 'DynamoDB table for incidents and fleet-wide counters.' },
  { name: 'SENTINEL_INCIDENT_TTL_DAYS', key: 'incidentTtlDays', kind: { type: 'int', min: 1, max: 3650 }, default: '90', description: 'Days an incident is kept (TTL attribute).' },
  { name: 'SENTINEL_RULES', key: 'rules', kind: { type: 'string' }, description: 'Extra correlation rules: inline JSON/YAML, or a file path.' },
  { name: 'SENTINEL_METRICS', key: 'metrics', kind: { type: 'enum', values: ['emf', 'api', 'off'] }, default: 'emf', description: 'Metrics as Embedded Metric Format log lines, PutMetricData calls, or none.' },
  { name: 'SENTINEL_METRICS_NAMESPACE', key: 'metricsNamespace', kind: { type: 'string', pattern: /^[A-Za-z0-9._/#:-]{1,255}$/, describe: 'a CloudWatch namespace' }, default: 'Sentinel', description: 'CloudWatch namespace for metrics.' },
  { name: 'SENTINEL_LOG_LEVEL', key: 'logLevel', kind: { type: 'enum', values: ['trace', 'debug', 'info', 'warn', 'error', 'silent'] }, default: 'info', description: "Level of the extension's structured logs." },
  { name: 'SENTINEL_STRICT_CONFIG', key: 'strictConfig', kind: { type: 'bool' }, default: 'false', description: 'Fail the init on an invalid SENTINEL_* value instead of using the safe default.' },
  { name: 'SENTINEL_EXPECT_AGENT', key: 'expectAgent', kind: { type: 'enum', values: ['auto', 'true', 'false'] }, default: 'auto', description: 'Whether invocations must carry an agent heartbeat; `auto` = when the wrapper or preload is configured.' },
  { name: 'SENTINEL_RUNTIMEDONE_WAIT_MS', key: 'runtimeDoneWaitMs', kind: { type: 'int', min: 0, max: 10000 }, default: '500', description: "How long the extension waits for an invocation's platform.runtimeDone before its next event/next." },
  { name: 'SENTINEL_URGENT_WAIT_MS', key: 'urgentActionWaitMs', kind: { type: 'int', min: 0, max: 10000 }, default: '1500', description: 'How long the extension holds event/next for an urgent action (quarantine, terminate) in flight.' },
  { name: 'SENTINEL_INTEGRITY_INTERVAL_S', key: 'integrityIntervalS', kind: { type: 'int', min: 0, max: 86400 }, default: '0', description: 'Re-check file hashes every N seconds (0 = only at cold start and shutdown).' },
  { name: 'SENTINEL_HARDEN', key: 'harden', kind: { type: 'bool' }, default: 'false', description: "Add Node's permission-model flags in the wrapper (Node ≥ 22.13)." },
  { name: 'SENTINEL_POSTURE', key: 'posture', kind: { type: 'bool' }, default: 'true', description: 'Posture and integrity checks: the extension\'s cold-start checks (exposed variables, layer manifest, code and runtime hashes, posture record) and the agent\'s module inventory, /tmp ledger and `agent_posture` record.' },
  { name: 'SENTINEL_CONTEXT', key: 'context', kind: { type: 'enum', values: ['auto', 'async', 'serial'] }, default: 'auto', description: "How the agent knows which invocation an operation belongs to: `async` follows each async chain (AsyncLocalStorage), `serial` takes the invocation in progress (one at a time per environment); `auto` = `async` on Node ≥ 24, else `serial` (AsyncLocalStorage costs ~45 µs per invocation on Node 20/22). Always `async` when `AWS_LAMBDA_MAX_CONCURRENCY` > 1." },
  { name: 'SENTINEL_QUARANTINE', key: 'quarantine', kind: { type: 'string' }, internal: true, description: 'Set by the quarantine action (JSON: incident id, reason, time). Remove it, or run `sentinel release`, to release.' },
];

export interface ConfigError {
  variable: string;
  message: string;
  accepted: string;
}

function accepted(kind: Kind): string {
  switch (kind.type) {
    case 'enum':
      return kind.values.join(' | ');
    case 'bool':
      return 'true | false | 1 | 0';
    case 'int':
      return `an integer from ${kind.min} to ${kind.max}`;
    case 'list':
      return kind.values ? `comma list of: ${kind.values.join(', ')}` : 'a comma list';
    case 'string':
      return kind.describe ?? 'a string';
  }
}

function parseValue(kind: Kind, raw: string): { ok: true; value: unknown } | { ok: false } {
  const v = raw.trim();
  switch (kind.type) {
    case 'enum':
      return kind.values.includes(v.toLowerCase()) ? { ok: true, value: v.toLowerCase() } : { ok: false };
    case 'bool': {
      const l = v.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(l)) return { ok: true, value: true };
      if (['false', '0', 'no', 'off', ''].includes(l)) return { ok: true, value: false };
      return { ok: false };
    }
    case 'int': {
      if (!/^-?\d+$/.test(v)) return { ok: false };
      const n = Number(v);
      return n >= kind.min && n <= kind.max ? { ok: true, value: n } : { ok: false };
    }
    case 'list': {
      const items = v.split(',').map((s) => s.trim()).filter(Boolean);
      if (kind.values && !items.every((i) => kind.values?.includes(i))) return { ok: false };
      return { ok: true, value: items };
    }
    case 'string':
      return !kind.pattern || kind.pattern.test(v) ? { ok: true, value: v } : { ok: false };
  }
}

/** Parses all SENTINEL_* variables; unknown SENTINEL_* names are reported too (likely typos). */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): { config: SentinelConfig; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const out: Record<string, unknown> = {};
  for (const spec of CONFIG_SPEC) {
    const raw = env[spec.name];
    let parsed = raw === undefined || raw === '' ? undefined : parseValue(spec.kind, raw);
    if (parsed && !parsed.ok) {
      errors.push({
        variable: spec.name,
        message: `invalid value for ${spec.name}; using the default ${spec.default === undefined ? '(unset)' : JSON.stringify(spec.default)}`,
        accepted: accepted(spec.kind),
      });
      parsed = undefined;
    }
    if (!parsed && spec.default !== undefined) parsed = parseValue(spec.kind, spec.default);
    if (parsed?.ok) out[spec.key] = parsed.value;
  }
  const known = new Set(CONFIG_SPEC.map((s) => s.name));
  for (const name of Object.keys(env)) {
    if (name.startsWith('SENTINEL_') && !known.has(name) && !INTERNAL_NAMES.has(name))
      errors.push({ variable: name, message: `unknown variable ${name} (ignored)`, accepted: 'a documented SENTINEL_* name' });
  }
  return { config: out as unknown as SentinelConfig, errors };
}

/** Names Sentinel sets for its own plumbing; not user configuration. */
export const INTERNAL_NAMES = new Set(['SENTINEL_HANDLER', 'SENTINEL_CHANNEL_DIR', 'SENTINEL_LAYER_ROOT', 'SENTINEL_AGENT_ACTIVE']);

/** Effective action of the agent for one category. */
export function isBlocking(config: Pick<SentinelConfig, 'mode' | 'block' | 'allow'>, category: Category): boolean {
  if (config.allow.includes(category)) return false;
  if (config.block.includes(category)) return true;
  return config.mode === 'block';
}
