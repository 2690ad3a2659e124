/** What a quarantined function answers instead of running user code (pure). */
import type { QuarantineInfo } from '../../../protocol/channel';

/** API Gateway (REST and HTTP APIs), Function URLs and ALB targets expect an HTTP-shaped response. */
export function isHttpEvent(event: unknown): boolean {
  if (!event || typeof event !== 'object') return false;
  const rc = (event as { requestContext?: unknown }).requestContext;
  if (!rc || typeof rc !== 'object') return false;
  return 'httpMethod' in event || 'http' in rc || 'elb' in rc || 'routeKey' in event;
}

export class SentinelQuarantinedError extends Error {
  readonly code = 'ERR_SENTINEL_QUARANTINED';
  constructor(q: QuarantineInfo) {
    super(`[Sentinel] function quarantined${q.incidentId ? ` (incident ${q.incidentId})` : ''}: invocation refused`);
  }
}
Object.defineProperty(SentinelQuarantinedError.prototype, 'name', {
  value: 'SentinelQuarantinedError',
  configurable: true,
  writable: true,
});

export function refusal(event: unknown, q: QuarantineInfo): { response?: unknown; error?: Error } {
  if (isHttpEvent(event)) {
    return {
      response: {
        statusCode: 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          message: 'Service Unavailable: this function is quarantined by Sentinel',
          incidentId: q.incidentId || undefined,
        }),
      },
    };
  }
  return { error: new SentinelQuarantinedError(q) };
}

/** SENTINEL_QUARANTINE as set by the quarantine action (JSON), or any non-empty value. */
export function parseQuarantineVar(raw: string | undefined): QuarantineInfo | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<QuarantineInfo>;
    if (v && typeof v === 'object')
      return { incidentId: String(v.incidentId ?? ''), reason: String(v.reason ?? ''), time: String(v.time ?? '') };
  } catch {
    /* not JSON */
  }
  return { incidentId: '', reason: raw.slice(0, 200), time: '' };
}
