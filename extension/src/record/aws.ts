/**
 * AWS access for the respond and record stages: SDK clients created lazily at first use (the SDK is bundled
 * but its modules are evaluated only when an action or a write actually happens, keeping cold start fast), and
 * one retry policy bounded by a deadline. Endpoints come only from the standard AWS_ENDPOINT_URL_* variables,
 * which the SDK reads itself.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Per attempt: the SDK's own retries are off (maxAttempts 1) so withRetry alone owns timing. */
const CONNECTION_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 2000;

export interface AwsClients {
  lambda(): LambdaClient;
  sns(): SNSClient;
  ddb(): DynamoDBDocumentClient;
  cloudwatch(): CloudWatchClient;
}

function baseConfig(region: string) {
  return {
    region,
    maxAttempts: 1,
    // Plain handler options: the SDK builds its NodeHttpHandler with these timeouts.
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  };
}

export function createAwsClients(region: string): AwsClients {
  let lambda: LambdaClient | undefined;
  let sns: SNSClient | undefined;
  let ddb: DynamoDBDocumentClient | undefined;
  let cloudwatch: CloudWatchClient | undefined;
  return {
    lambda() {
      if (!lambda) {
        const { LambdaClient } = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
        lambda = new LambdaClient(baseConfig(region));
      }
      return lambda;
    },
    sns() {
      if (!sns) {
        const { SNSClient } = require('@aws-sdk/client-sns') as typeof import('@aws-sdk/client-sns');
        sns = new SNSClient(baseConfig(region));
      }
      return sns;
    },
    ddb() {
      if (!ddb) {
        const { DynamoDBClient } = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
        const { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
        ddb = DynamoDBDocumentClient.from(new DynamoDBClient(baseConfig(region)), {
          marshallOptions: { removeUndefinedValues: true },
        });
      }
      return ddb;
    },
    cloudwatch() {
      if (!cloudwatch) {
        const { CloudWatchClient } =
          require('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch');
        cloudwatch = new CloudWatchClient(baseConfig(region));
      }
      return cloudwatch;
    },
  };
}

const THROTTLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottledException',
  'RequestThrottled',
  'LimitExceededException',
  'TransactionInProgressException',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

export interface ErrorInfo {
  name: string;
  status?: number;
  code?: string;
  message: string;
}

/** A loggable, secret-free summary of an SDK/network error. */
export function errorInfo(e: unknown): ErrorInfo {
  const err = (e ?? {}) as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const info: ErrorInfo = { name: String(err.name ?? 'Error'), message: String(err.message ?? e).slice(0, 200) };
  if (err.$metadata?.httpStatusCode) info.status = err.$metadata.httpStatusCode;
  if (err.code) info.code = String(err.code);
  return info;
}

/** Throttling, 5xx, timeouts, unreachable endpoints and malformed replies are worth another attempt; 4xx is not. */
export function isRetryable(e: unknown): boolean {
  const i = errorInfo(e);
  if (THROTTLE_NAMES.has(i.name)) return true;
  if (i.status !== undefined) return i.status === 429 || i.status >= 500;
  if (i.code && NETWORK_CODES.has(i.code)) return true;
  // No HTTP status: network failure, timeout/abort, or a reply the SDK could not parse.
  return true;
}

export function isThrottle(e: unknown): boolean {
  const i = errorInfo(e);
  return THROTTLE_NAMES.has(i.name) || i.status === 429;
}

export class DeadlineError extends Error {
  override name = 'DeadlineError';
  constructor(
    readonly attempts: number,
    readonly last: unknown,
  ) {
    super(`gave up after ${attempts} attempt(s) at the deadline: ${errorInfo(last).name}`);
  }
}

export interface RetryOptions {
  /** Epoch ms after which no new attempt starts and the running one is aborted. */
  deadline: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  retryable?: (e: unknown) => boolean;
  /** Called before each retry (logging). */
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
  /** Shortest time worth starting an attempt with. */
  minAttemptMs?: number;
  /** Longest single attempt; default: half the remaining time (≥ 250 ms), so a hang leaves room for a retry. */
  attemptTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `op` until it succeeds, fails with a non-retryable error, runs out of attempts, or hits the deadline.
 * Backoff is exponential with full jitter (throttling starts higher). Each attempt gets an AbortSignal that
 * fires at the deadline, so a hanging endpoint cannot hold the caller past it.
 */
export async function withRetry<T>(
  op: (signal: AbortSignal, attempt: number) => Promise<T>,
  o: RetryOptions,
): Promise<T> {
  const maxAttempts = o.maxAttempts ?? 8;
  const retryable = o.retryable ?? isRetryable;
  const minAttemptMs = o.minAttemptMs ?? 15;
  let last: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const remaining = o.deadline - Date.now();
    if (remaining < minAttemptMs) throw new DeadlineError(attempt - 1, last ?? new Error('no time left'));
    try {
      const attemptMs = Math.floor(Math.min(remaining, o.attemptTimeoutMs ?? Math.max(250, remaining / 2)));
      return await op(AbortSignal.timeout(attemptMs), attempt);
    } catch (e) {
      last = e;
      if (!retryable(e) || attempt === maxAttempts) throw e;
      const base = (o.baseDelayMs ?? 20) * (isThrottle(e) ? 4 : 1);
      const cap = Math.min(o.maxDelayMs ?? 500, base * 2 ** (attempt - 1));
      const delay = Math.random() * cap;
      if (o.deadline - Date.now() - delay < minAttemptMs) throw new DeadlineError(attempt, e);
      o.onRetry?.(e, attempt, Math.round(delay));
      await sleep(delay);
    }
  }
  throw new DeadlineError(maxAttempts, last);
}
