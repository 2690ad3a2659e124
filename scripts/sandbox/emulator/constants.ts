/** Platform constants the emulator reproduces (lambda-platform.md §8). */

export const RUNTIME_API_VERSION = '2018-06-01';
export const EXTENSIONS_API_VERSION = '2020-01-01';
export const TELEMETRY_API_VERSION = '2022-07-01';
export const LOGS_API_VERSION = '2020-08-15';

/** Sync response / invoke payload limit: 6 MiB plus RAPID's 100 bytes of slack. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100;
export const MAX_EXTENSIONS = 10;
export const DEFAULT_INIT_TIMEOUT_MS = 10_000;
/** Shutdown budget with ≥1 external extension, and the runtime's share of it. */
export const SHUTDOWN_BUDGET_EXTERNAL_MS = 2_000;
export const SHUTDOWN_BUDGET_INTERNAL_ONLY_MS = 500;
export const RUNTIME_SHUTDOWN_SHARE_MS = 300;
export const RUNTIME_SHUTDOWN_SHARE_INTERNAL_MS = 500;

export const TELEMETRY_SCHEMAS = ['2022-07-01', '2022-12-13', '2025-01-29'] as const;
export type TelemetrySchema = (typeof TELEMETRY_SCHEMAS)[number];
export const TELEMETRY_TYPES = ['platform', 'function', 'extension'] as const;
export type TelemetryType = (typeof TELEMETRY_TYPES)[number];

/**
 * Buffering ranges. The docs disagree on the maxItems default (1 000 on the reference page, 10 000 on the concept
 * page and in RIE); we pick the reference page's 1 000 (lambda-platform.md §9.2).
 */
export const BUFFERING_LIMITS = {
  maxItems: { min: 1_000, max: 10_000, default: 1_000 },
  maxBytes: { min: 262_144, max: 1_048_576, default: 262_144 },
  timeoutMs: { min: 25, max: 30_000, default: 1_000 },
} as const;

export const RESERVED_PORT = 9001;
export const SANDBOX_HOSTS = ['sandbox.localdomain', 'sandbox'];

export const FUNCTION_VERSION = '$LATEST';
export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

export const LOGS_DROPPED_SLOW_REASON =
  'Some logs were dropped because the downstream consumer is slower than the logs production rate';
