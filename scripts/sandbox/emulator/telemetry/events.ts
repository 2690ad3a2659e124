/** Telemetry event envelope and the internal form of a record before it is rendered for one subscriber. */
import type { TelemetrySchema, TelemetryType } from '../constants';

export interface TelemetryEvent {
  /** Emission time, ISO-8601 UTC with milliseconds. */
  time: string;
  type: string;
  record: unknown;
}

/** A platform event or a captured log line; log lines are rendered per subscriber (string vs object). */
export type HubEvent =
  | { category: 'platform'; time: string; type: string; record: Record<string, unknown> }
  | { category: 'function' | 'extension'; time: string; line: string; requestId?: string };

export const isoNow = (): string => new Date().toISOString();

function parseLogObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Log records are strings for the Text log format or schemas older than 2022-12-13, objects for the JSON format
 * with newer schemas (lambda-platform.md §3.3, §9.6). A non-JSON line under the JSON format is wrapped as
 * `{timestamp, message}` (plus `requestId` when known).
 */
export function renderEvent(ev: HubEvent, schema: TelemetrySchema, logFormat: 'Text' | 'JSON'): TelemetryEvent {
  if (ev.category === 'platform') return { time: ev.time, type: ev.type, record: ev.record };
  if (logFormat === 'JSON' && schema >= '2022-12-13') {
    const obj = parseLogObject(ev.line) ?? {
      timestamp: ev.time,
      message: ev.line,
      ...(ev.requestId ? { requestId: ev.requestId } : {}),
    };
    return { time: ev.time, type: ev.category, record: obj };
  }
  return { time: ev.time, type: ev.category, record: ev.line };
}

export function categoryOf(ev: HubEvent): TelemetryType {
  return ev.category;
}
