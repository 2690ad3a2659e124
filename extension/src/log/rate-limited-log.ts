/**
 * Rate-limits log lines about hostile or broken input, per reason: at most `perWindow` lines per reason and
 * window; the first line of the next window reports how many were suppressed. The counters themselves are kept
 * elsewhere (they are never rate-limited). Memory: one small entry per reason; reasons are code constants.
 */
import type { Logger } from 'pino';

interface Window {
  start: number;
  logged: number;
  suppressed: number;
}

export class RateLimitedLog {
  private readonly windows = new Map<string, Window>();
  constructor(
    private readonly log: Logger,
    private readonly perWindow = 5,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(reason: string, fields: Record<string, unknown>, msg: string): boolean {
    const t = this.now();
    let w = this.windows.get(reason);
    if (!w || t - w.start >= this.windowMs) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: t, logged: 0, suppressed: 0 };
      this.windows.set(reason, w);
      if (suppressed > 0) fields = { ...fields, suppressedSinceLast: suppressed };
    }
    if (w.logged >= this.perWindow) {
      w.suppressed++;
      return false;
    }
    w.logged++;
    this.log.warn({ reason, ...fields }, msg);
    return true;
  }
}
