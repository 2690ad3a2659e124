/** The error a blocked operation fails with, in the API's own convention (throw, callback, rejection, 'error'). */
import type { Category } from '../../../protocol/finding';

export const BLOCKED_CODE = 'ERR_SENTINEL_BLOCKED';

export class SentinelBlockedError extends Error {
  readonly code = BLOCKED_CODE;
  readonly category: Category;
  readonly requestId: string | undefined;

  constructor(category: Category, requestId: string | undefined, sink: string) {
    super(`[Sentinel] blocked ${category} (request ${requestId ?? 'none'})`);
    this.category = category;
    this.requestId = requestId;
    Object.defineProperty(this, 'sink', { value: sink, enumerable: false });
  }
}
Object.defineProperty(SentinelBlockedError.prototype, 'name', {
  value: 'SentinelBlockedError',
  configurable: true,
  writable: true,
});
