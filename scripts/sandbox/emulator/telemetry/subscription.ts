/** Validation of a Telemetry API subscription request (lambda-platform.md §3.1, limits §8). */
import {
  BUFFERING_LIMITS,
  RESERVED_PORT,
  SANDBOX_HOSTS,
  TELEMETRY_SCHEMAS,
  TELEMETRY_TYPES,
  type TelemetrySchema,
  type TelemetryType,
} from '../constants';

export interface Buffering {
  maxItems: number;
  maxBytes: number;
  timeoutMs: number;
}

export type Destination =
  | { protocol: 'HTTP'; uri: string; host: '127.0.0.1'; port: number; path: string }
  | { protocol: 'TCP'; host: '127.0.0.1'; port: number };

export interface SubscriptionConfig {
  schemaVersion: TelemetrySchema;
  types: TelemetryType[];
  buffering: Buffering;
  destination: Destination;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

export function validateBuffering(raw: unknown): Validation<Buffering> {
  const out: Buffering = {
    maxItems: BUFFERING_LIMITS.maxItems.default,
    maxBytes: BUFFERING_LIMITS.maxBytes.default,
    timeoutMs: BUFFERING_LIMITS.timeoutMs.default,
  };
  if (raw === undefined) return { ok: true, value: out };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail('buffering must be an object');
  for (const key of Object.keys(raw)) {
    if (!(key in BUFFERING_LIMITS)) return fail(`buffering.${key} is not a valid field`);
  }
  for (const key of ['maxItems', 'maxBytes', 'timeoutMs'] as const) {
    const v = (raw as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const { min, max } = BUFFERING_LIMITS[key];
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`buffering.${key} must be an integer`);
    if (v < min || v > max) return fail(`buffering.${key} must be between ${min} and ${max}`);
    out[key] = v;
  }
  return { ok: true, value: out };
}

/** `reservedPorts` = 9001 plus the emulator's own API port. */
export function validateDestination(raw: unknown, reservedPorts: number[]): Validation<Destination> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail('destination is required');
  const d = raw as Record<string, unknown>;
  const reserved = new Set([RESERVED_PORT, ...reservedPorts]);
  if (d.protocol === 'TCP') {
    const port = d.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      return fail('destination.port must be an integer between 1 and 65535');
    }
    if (reserved.has(port)) return fail(`destination port ${port} is reserved`);
    return { ok: true, value: { protocol: 'TCP', host: '127.0.0.1', port } };
  }
  if (d.protocol !== 'HTTP') return fail('destination.protocol must be HTTP or TCP');
  if (typeof d.URI !== 'string') return fail('destination.URI is required');
  let url: URL;
  try {
    url = new URL(d.URI);
  } catch {
    return fail('destination.URI is not a valid URI');
  }
  if (url.protocol !== 'http:') return fail('destination.URI must use the http scheme');
  if (!SANDBOX_HOSTS.includes(url.hostname)) return fail('destination.URI host must be sandbox.localdomain');
  if (url.port === '') return fail('URI port is not provided');
  const port = Number(url.port);
  if (reserved.has(port)) return fail(`destination port ${port} is reserved`);
  return {
    ok: true,
    value: { protocol: 'HTTP', uri: d.URI, host: '127.0.0.1', port, path: `${url.pathname}${url.search}` },
  };
}

export function validateSubscription(
  raw: Record<string, unknown>,
  reservedPorts: number[],
): Validation<SubscriptionConfig> {
  const schema = raw.schemaVersion;
  if (typeof schema !== 'string' || !(TELEMETRY_SCHEMAS as readonly string[]).includes(schema)) {
    return fail(`schemaVersion must be one of ${TELEMETRY_SCHEMAS.join(', ')}`);
  }
  const types = raw.types;
  if (!Array.isArray(types) || types.length === 0) return fail('types must be a non-empty array');
  for (const t of types) {
    if (typeof t !== 'string' || !(TELEMETRY_TYPES as readonly string[]).includes(t)) {
      return fail(`invalid type ${JSON.stringify(t)}; allowed: ${TELEMETRY_TYPES.join(', ')}`);
    }
  }
  const buffering = validateBuffering(raw.buffering);
  if (!buffering.ok) return buffering;
  const destination = validateDestination(raw.destination, reservedPorts);
  if (!destination.ok) return destination;
  return {
    ok: true,
    value: {
      schemaVersion: schema as TelemetrySchema,
      types: [...new Set(types as TelemetryType[])],
      buffering: buffering.value,
      destination: destination.value,
    },
  };
}
